import pytest
from django.test import Client


@pytest.mark.django_db
def test_home_requires_login(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response["Location"] or "login" in response["Location"]
