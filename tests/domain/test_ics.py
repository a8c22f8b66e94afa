"""Calendar files built by bookings/ics.py, without the API: the file parses into one event with
every value, times are written in UTC, a cancelled event is a cancel request, naive times are
refused, and no text (line breaks, control characters) can inject lines into the file.
The download through GET /v2/bookings/{uid}/ics is tested in tests/api/test_ics.py."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bookings import ics
from tests.conftest import BREAKS, attendee_emails, parse, unfolded_lines, utc

START = utc(2027, 1, 5, 10)
STAMP = datetime(2027, 1, 4, 6, 0, tzinfo=UTC)


def plain_event(**changes) -> ics.CalendarEvent:
    values = {
        "uid": "abc123@rendezvous",
        "sequence": 2,
        "start": START,
        "end": START + timedelta(minutes=30),
        "summary": "Intro call",
        "description": "First line\nSecond line",
        "location": "1 Main Street",
        "status": ics.CONFIRMED,
        "organizer": ics.Participant("olivia@example.com", "Olivia"),
        "attendees": [ics.Participant("ada@example.com", "Ada")],
    }
    return ics.CalendarEvent(**{**values, **changes})


# --- The pure builder ---------------------------------------------------------------------------


def test_the_file_parses_into_one_event_with_every_value():
    calendar, event = parse(ics.build_calendar(plain_event(), STAMP))

    assert calendar["METHOD"] == "REQUEST"
    assert calendar["VERSION"] == "2.0"
    assert str(event["UID"]) == "abc123@rendezvous"
    assert event["SEQUENCE"] == 2
    assert event["SUMMARY"] == "Intro call"
    assert event["DESCRIPTION"] == "First line\nSecond line"
    assert event["LOCATION"] == "1 Main Street"
    assert event["STATUS"] == "CONFIRMED"
    assert event.decoded("DTSTART") == START
    assert event.decoded("DTEND") == START + timedelta(minutes=30)
    assert event.decoded("DTSTAMP") == STAMP
    assert str(event["ORGANIZER"]) == "mailto:olivia@example.com"
    assert event["ORGANIZER"].params["CN"] == "Olivia"
    assert attendee_emails(event) == ["ada@example.com"]


def test_times_are_written_in_utc_whatever_zone_they_come_in():
    # 10:00 in Paris on the day summer time starts is 08:00 UTC.
    paris = datetime(2027, 3, 28, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))
    event = plain_event(start=paris, end=paris + timedelta(hours=1))

    lines = unfolded_lines(ics.build_calendar(event, STAMP))

    assert "DTSTART:20270328T080000Z" in lines
    assert "DTEND:20270328T090000Z" in lines
    assert "DTSTAMP:20270104T060000Z" in lines
    assert not any("TZID" in line for line in lines)


def test_a_cancelled_event_is_a_cancel_request():
    calendar, event = parse(ics.build_calendar(plain_event(status=ics.CANCELLED), STAMP))
    assert calendar["METHOD"] == "CANCEL"
    assert event["STATUS"] == "CANCELLED"


def test_naive_times_are_refused():
    with pytest.raises(ValueError):
        ics.build_calendar(plain_event(start=datetime(2027, 1, 5, 10)), STAMP)


INJECTED = "ATTENDEE:mailto:evil@x.test{0}BEGIN:VALARM{0}ACTION:AUDIO{0}END:VALARM"


@pytest.mark.parametrize("line_break", list(BREAKS.values()), ids=list(BREAKS))
@pytest.mark.parametrize(
    "field",
    ["summary", "description", "location", "attendee", "attendee-email", "organizer", "uid"],
)
def test_line_breaks_in_text_inject_nothing(field, line_break):
    payload = f"Ada{line_break}{INJECTED.format(line_break)}"
    second_event = f"X{line_break}END:VEVENT{line_break}BEGIN:VEVENT{line_break}SUMMARY:Evil"
    changes = {
        "summary": {"summary": payload + line_break + second_event},
        "description": {"description": second_event + line_break + payload},
        "location": {"location": payload + line_break + second_event},
        "attendee": {"attendees": [ics.Participant("ada@example.com", payload + second_event)]},
        "attendee-email": {"attendees": [ics.Participant("ada@example.com" + payload[3:])]},
        "organizer": {"organizer": ics.Participant("olivia@example.com", payload)},
        "uid": {"uid": "abc" + line_break + second_event},
    }[field]

    content = ics.build_calendar(plain_event(**changes), STAMP)

    calendar, event = parse(content)
    assert not event.walk("VALARM")
    assert attendee_emails(event) == ["ada@example.com"]
    assert "evil@x.test" not in str(event["ORGANIZER"]) + str(event["ATTENDEE"])
    lines = unfolded_lines(content)
    names = [re.split(r"[;:]", line, maxsplit=1)[0] for line in lines]
    assert names.count("BEGIN") == names.count("END") == 2
    assert names.count("ATTENDEE") == 1
    assert names.count("SUMMARY") == 1
    assert "ACTION" not in names
    assert [line for line in lines if names[lines.index(line)] in ("BEGIN", "END")] == [
        "BEGIN:VCALENDAR",
        "BEGIN:VEVENT",
        "END:VEVENT",
        "END:VCALENDAR",
    ]


def test_a_one_line_value_keeps_its_words_on_one_line():
    _, event = parse(ics.build_calendar(plain_event(summary="Intro\r\ncall\rwith\nAda"), STAMP))
    assert event["SUMMARY"] == "Intro call with Ada"


def test_a_description_keeps_its_lines_whatever_the_line_breaks():
    content = ics.build_calendar(plain_event(description="One\r\nTwo\rThree\nFour"), STAMP)
    _, event = parse(content)
    assert event["DESCRIPTION"] == "One\nTwo\nThree\nFour"


def test_control_characters_are_dropped():
    _, event = parse(ics.build_calendar(plain_event(summary="Intro\x00\x07\x1b call"), STAMP))
    assert event["SUMMARY"] == "Intro call"
