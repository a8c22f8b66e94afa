"""Errors of the webhook services, each with a stable machine-readable code (mapped to HTTP
statuses by the API in one place, api/errors.py, as the other apps' errors are)."""


class WebhookError(Exception):
    code = "webhook_error"
    retry_after: int | None = None

    def __init__(self, message: str, *, details: dict | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or {}


class InvalidSubscription(WebhookError):
    code = "validation_error"


class DuplicateSubscription(WebhookError):
    code = "webhook_exists"


class SubscriptionNotFound(WebhookError):
    code = "webhook_not_found"


class DeliveryNotFound(WebhookError):
    code = "delivery_not_found"


class SubscriptionInactive(WebhookError):
    code = "webhook_inactive"


class DeliveryInProgress(WebhookError):
    code = "delivery_in_progress"
