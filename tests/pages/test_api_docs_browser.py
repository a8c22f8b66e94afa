"""The API's docs page renders in a browser that can reach nothing but this service: Swagger UI
comes from the service's own static files."""

from urllib.parse import urlparse


def test_the_docs_page_lists_the_operations_offline(open_page, live_server, screenshots):
    own = urlparse(live_server.url).netloc
    elsewhere = []

    page = open_page("/v2/docs")
    page.context.route(
        "**/*",
        lambda route: (
            route.continue_()
            if urlparse(route.request.url).netloc == own
            else (elsewhere.append(route.request.url), route.abort())
        ),
    )
    page.reload()
    page.wait_for_selector(".opblock", timeout=20_000)
    summaries = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/v2/bookings" in summaries and "/v2/slots" in summaries
    assert len(summaries) > 50
    assert elsewhere == []
    page.screenshot(path=screenshots / "api-docs.png")
