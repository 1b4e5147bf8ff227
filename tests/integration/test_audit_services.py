"""Recording events: who, how, from where; detail holds names, never values."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import RequestFactory

from finclear.audit.context import AuditContextMiddleware, audit_context, current_context
from finclear.audit.models import AuditEvent
from finclear.audit.services import check_detail, record_event

pytestmark = pytest.mark.django_db


def test_without_context_an_event_is_the_systems_over_the_command_line() -> None:
    event = record_event("export", object_type="reports.agingreport", object_id="3")
    assert event.user is None
    assert event.username == ""
    assert event.channel == "cli"
    assert event.object_repr == "reports.agingreport #3"
    assert event.occurred_at.tzinfo is not None


def test_audit_context_attributes_events_to_its_user_and_channel() -> None:
    user = get_user_model().objects.create_user("worker", password="x" * 16)
    with audit_context(user=user, channel="task"):
        event = record_event("export", object_type="reports.agingreport")
    assert (event.user, event.username, event.channel) == (user, "worker", "task")
    assert current_context() is None


def test_audit_context_refuses_an_unknown_channel() -> None:
    with pytest.raises(ValueError, match="channel"), audit_context(channel="email"):
        pass


def test_unknown_action_is_refused() -> None:
    with pytest.raises(ValueError, match="action: 'peek'"):
        record_event("peek")


@pytest.mark.parametrize(
    "detail",
    [{"last_name": "Doe"}, {"fields": "last_name"}, {"fields": [{"last_name": "Doe"}]}],
)
def test_detail_with_values_is_refused(detail: dict) -> None:
    with pytest.raises(ValueError, match="detail"):
        check_detail(detail)
    assert not AuditEvent.objects.exists()


def test_the_middleware_gives_the_request_address_path_and_channel(rf: RequestFactory) -> None:
    user = get_user_model().objects.create_user("clerk", password="x" * 16)
    seen = {}

    def view(request):
        seen["event"] = record_event("export", object_type="reports.agingreport")
        return None

    for path, channel in [("/encounters/", "web"), ("/admin/x/", "admin"), ("/api/v1/x", "api")]:
        request = rf.get(path + "?q=1", REMOTE_ADDR="10.1.2.3")
        request.user = user
        AuditContextMiddleware(view)(request)
        event = seen["event"]
        assert (event.channel, event.ip_address, event.path) == (channel, "10.1.2.3", path)
        assert event.user == user
    assert current_context() is None


def test_a_trusted_proxy_address_is_used_only_when_configured(rf, settings) -> None:
    request = rf.get("/encounters/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    from finclear.audit.context import client_ip

    assert client_ip(request) == "10.0.0.1"
    settings.FINCLEAR_TRUSTED_PROXY_HOPS = 1
    assert client_ip(request) == "203.0.113.9"
