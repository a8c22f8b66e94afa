"""The instance's landing page, a host's profile and a team's: who can be booked, and for what."""

from django.db.models import Count, Q
from django.shortcuts import render
from django.views.decorators.http import require_safe

from accounts.models import Team, User
from eventtypes.models import EventType
from pages.views import responses

LANDING_LIMIT = 20


@require_safe
def home(request):
    listed = Q(event_types__hidden=False, event_types__team__isnull=True)
    hosts = (
        User.objects.filter(is_active=True)
        .annotate(listed=Count("event_types", filter=listed))
        .filter(listed__gt=0)
        .order_by("username")[:LANDING_LIMIT]
    )
    teams = (
        Team.objects.filter(organization__isnull=True)
        .annotate(listed=Count("event_types", filter=Q(event_types__hidden=False)))
        .filter(listed__gt=0)
        .order_by("slug")[:LANDING_LIMIT]
    )
    return render(request, "pages/home.html", {"hosts": hosts, "teams": teams})


@require_safe
def profile(request, username):
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        return responses.not_found(request, f"There is nobody called '{username}' here.")
    event_types = EventType.objects.filter(owner=user, team__isnull=True, hidden=False)
    return render(
        request,
        "pages/profile.html",
        {
            "title": user.display_name,
            "subtitle": f"Book a time with {user.display_name}.",
            "event_types": event_types.order_by("length_minutes", "title"),
            "path": f"/{user.username}",
        },
    )


@require_safe
def team_profile(request, team_slug):
    team = Team.objects.filter(slug=team_slug, organization__isnull=True).first()
    if team is None:
        return responses.not_found(request, f"There is no team '{team_slug}' here.")
    event_types = EventType.objects.filter(team=team, hidden=False)
    return render(
        request,
        "pages/profile.html",
        {
            "title": team.name,
            "subtitle": f"Book a time with {team.name}.",
            "event_types": event_types.order_by("length_minutes", "title"),
            "path": f"/team/{team.slug}",
        },
    )
