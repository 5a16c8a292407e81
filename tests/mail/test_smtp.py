"""The SMTP settings: off when MAIL_SERVER is unset, a half setup refused, credentials used."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from config import ConfigError, TestingConfig
from crm import create_app
from crm.mail.smtp import MailError, mail_settings, send_message
from tests.mailbox import Mailbox, _free_port

BASE = {"MAIL_SERVER": "smtp.lillestrom.kommune.no", "MAIL_SENDER": "crm@lillestrom.kommune.no"}
BASE_URL = {"BASE_URL": "https://koblingsboks.lillestrom.kommune.no/"}


def test_mail_is_off_without_a_server():
    assert mail_settings({}) is None
    assert mail_settings({"MAIL_SERVER": "  ", "MAIL_SENDER": "x@y.no"}) is None


@pytest.mark.parametrize(
    ("flags", "port"),
    [({}, 25), ({"MAIL_USE_TLS": "true"}, 587), ({"MAIL_USE_SSL": "1"}, 465)],
)
def test_the_port_follows_the_kind_of_encryption(flags, port):
    settings = mail_settings({**BASE, **BASE_URL, **flags})
    assert settings.port == port
    assert settings.base_url == "https://koblingsboks.lillestrom.kommune.no"


@pytest.mark.parametrize(
    ("config", "words"),
    [
        ({**BASE, **BASE_URL, "MAIL_USE_TLS": "1", "MAIL_USE_SSL": "1"}, "not both"),
        ({**BASE, **BASE_URL, "MAIL_PORT": "smtp"}, "MAIL_PORT"),
        ({"MAIL_SERVER": "smtp.example.no", **BASE_URL}, "MAIL_SENDER"),
        (BASE, "BASE_URL"),
        ({**BASE, "BASE_URL": "koblingsboks.lillestrom.kommune.no"}, "BASE_URL"),
    ],
)
def test_a_half_setup_is_refused_with_what_to_set(config, words):
    with pytest.raises(ConfigError, match=words):
        mail_settings(config)


def test_the_app_does_not_start_with_a_half_setup(tmp_path):
    with pytest.raises(ConfigError, match="BASE_URL"):
        create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/x.sqlite", **BASE)


class _Authenticator:
    def __init__(self) -> None:
        self.logins: list[tuple[bytes, bytes]] = []

    def __call__(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        self.logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"hemmelig")


def _message() -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@b.no", "c@d.no", "Hei"
    message.set_content("Hei")
    return message


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_the_username_and_password_sign_in_to_the_server():
    mailbox, authenticator = Mailbox(port=_free_port()), _Authenticator()
    # Plain-text AUTH only because the test server has no certificate; production uses TLS.
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=mailbox.port,
        authenticator=authenticator,
        auth_require_tls=False,
        auth_required=True,
    )
    controller.start()
    try:
        config = {**BASE, **BASE_URL, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": mailbox.port}
        good = mail_settings({**config, "MAIL_USERNAME": "crm", "MAIL_PASSWORD": "hemmelig"})
        send_message(good, _message())
    finally:
        controller.stop()
    assert authenticator.logins == [(b"crm", b"hemmelig")]
    assert [m.rcpt_tos for m in mailbox.received] == [["c@d.no"]]


def test_an_unreachable_server_is_a_mail_error():
    config = {**BASE, **BASE_URL, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": _free_port()}
    with pytest.raises(MailError, match=r"127\.0\.0\.1"):
        send_message(mail_settings({**config, "MAIL_TIMEOUT_SECONDS": 2}), _message())
