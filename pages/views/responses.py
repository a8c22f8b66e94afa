"""Pages that answer with a message instead of what was asked for."""

from django.shortcuts import render


def message_page(request, title: str, message: str, *, status: int, headers=None):
    response = render(
        request, "pages/message.html", {"title": title, "message": message}, status=status
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def not_found(request, message: str):
    return message_page(request, "Not found", message, status=404)


def too_many(request, retry_after: int):
    return message_page(
        request,
        "Too many requests",
        "You have sent this form too many times in a short while. "
        f"Please wait {retry_after} seconds and try again.",
        status=429,
        headers={"Retry-After": str(retry_after)},
    )
