"""Report helpers: each platform's report route, and the police and hotlines per country.

Routes are described in words (the menus to tap and the help-centre path), not as URLs: platforms
move their pages often, and a wrong link in a moment of distress is worse than a clear path.
"""

from __future__ import annotations

from dataclasses import dataclass

from network.settings import settings
from network.translation import lazy_gettext as _l
from network.vocabulary import PLATFORM_NAMES, Platform


def platform_name(platform: Platform | str) -> str:
    """Return how a platform is called, or "the platform" for any other site."""
    return PLATFORM_NAMES.get(Platform(platform)) or str(_l("the platform"))


@dataclass(frozen=True)
class ReportRoute:
    """How to report content on one platform: in the app, and through its help centre."""

    platform: Platform
    name: str
    in_app: tuple[str, ...]
    help_center: str
    illegal_content: str


def _illegal_form(name: str) -> str:
    return str(
        _l(
            "For a notice under EU law, look in %(name)s's help centre for the form to report "
            "content you believe is illegal (often under legal or EU reporting), and paste the "
            "notice written here.",
            name=name,
        )
    )


def report_route(platform: Platform | str) -> ReportRoute:
    """Return the translated report route of a platform."""
    platform = Platform(platform)
    name = platform_name(platform)
    routes: dict[Platform, tuple[tuple[object, ...], object]] = {
        Platform.INSTAGRAM: (
            (
                _l("Post: tap ••• above the post → Report, then choose the reason."),
                _l("Comment: swipe left on it (iPhone) or press and hold it (Android) → Report."),
                _l("Profile: tap ••• at the top of the profile → Report."),
            ),
            _l("Instagram Help Centre → Privacy, safety and security → Report something."),
        ),
        Platform.TIKTOK: (
            (
                _l("Video: press and hold on the video, or tap the Share arrow → Report."),
                _l("Comment: press and hold the comment → Report."),
                _l("Account: tap ••• on the profile → Report."),
            ),
            _l(
                "TikTok Help Center → Safety → Reporting; in the app also Settings and privacy "
                "→ Report a problem."
            ),
        ),
        Platform.X: (
            (
                _l("Post: tap ••• on the post → Report post, then choose the reason."),
                _l("Account: tap ••• on the profile → Report."),
            ),
            _l("X Help Center → Safety and security → Report abusive behaviour."),
        ),
        Platform.FACEBOOK: (
            (
                _l("Post: tap ••• on the post → Report post (or Find support or report)."),
                _l("Comment: press and hold the comment, or tap ••• next to it → Report."),
                _l("Profile: tap ••• on the profile → Find support or report."),
            ),
            _l("Facebook Help Centre → Policies and reporting → Reporting abuse."),
        ),
        Platform.YOUTUBE: (
            (
                _l("Video: tap ••• below the video → Report."),
                _l("Comment: tap ⋮ next to the comment → Report."),
                _l("Channel: on the channel page, open the ••• or About menu → Report user."),
            ),
            _l("YouTube Help → Policy, safety and copyright → Report inappropriate content."),
        ),
        Platform.REDDIT: (
            (
                _l("Post or comment: tap ••• → Report, then choose the rule it breaks."),
                _l("The subreddit's moderators see reports of their community's rules too."),
            ),
            _l("Reddit Help → Safety → Reporting content to Reddit."),
        ),
        Platform.SNAPCHAT: (
            (
                _l("Snap or Story: press and hold it → Report Snap."),
                _l("Account: press and hold the name → Manage Friendship → Report."),
            ),
            _l("Snapchat Support → Safety → Report a safety concern."),
        ),
        Platform.DISCORD: (
            (
                _l(
                    "Message: press and hold it (mobile) or right-click it (desktop) → Report "
                    "Message."
                ),
                _l("Also tell the server's moderators: they can remove it at once."),
            ),
            _l("Discord Safety Center → How to report content to Discord."),
        ),
        Platform.TWITCH: (
            (
                _l("Stream or video: tap ⋮ below the player → Report."),
                _l("Chat message: tap the username → ⋮ → Report."),
            ),
            _l("Twitch Help → Safety and security → How to file a user report."),
        ),
        Platform.OTHER: (
            (
                _l("Look for Report, a flag, or ••• / ⋮ next to the content."),
                _l("No report option? Write to the site's contact address with the notice."),
            ),
            _l(
                "The site's help pages or terms of service: every online platform in the EU "
                "must name a point of contact for users."
            ),
        ),
    }
    in_app, help_center = routes[platform]
    return ReportRoute(
        platform=platform,
        name=name,
        in_app=tuple(str(step) for step in in_app),
        help_center=str(help_center),
        illegal_content=_illegal_form(name),
    )


# --- the police and hotlines, per country ---------------------------------------------------------


@dataclass(frozen=True)
class Authority:
    """A police service or hotline: what it is for and how to reach it."""

    name: str
    purpose: str
    reach: str
    emergency: bool = False


@dataclass(frozen=True)
class Country:
    """The authorities to report to in one country."""

    code: str
    name: str
    authorities: tuple[Authority, ...]


def _netherlands() -> Country:
    return Country(
        "NL",
        str(_l("The Netherlands")),
        (
            Authority(
                "112",
                str(_l("Emergencies: someone is in immediate danger.")),
                str(_l("Call 112.")),
                emergency=True,
            ),
            Authority(
                str(_l("Police (Politie)")),
                str(_l("Threats, doxxing, stalking, sexual images shared without consent.")),
                str(
                    _l(
                        "Call 0900-8844 (no emergency) or start at politie.nl → Aangifte of "
                        "melding doen; for some crimes you make an appointment at a station."
                    )
                ),
            ),
            Authority(
                "MiND Nederland (discriminatie.nl)",
                str(
                    _l(
                        "The national reporting point for discrimination on the internet: hate "
                        "against people for their origin, religion, sexuality or gender."
                    )
                ),
                str(_l("Report online at discriminatie.nl.")),
            ),
            Authority(
                "Meldknop.nl",
                str(
                    _l(
                        "Helps you, young people especially, find the right place to report or "
                        "get help with online bullying, threats and other problems."
                    )
                ),
                str(_l("Go to meldknop.nl.")),
            ),
        ),
    )


def _belgium() -> Country:
    return Country(
        "BE",
        str(_l("Belgium")),
        (
            Authority(
                "112 / 101",
                str(_l("Emergencies: someone is in immediate danger.")),
                str(_l("Call 112, or 101 for the police.")),
                emergency=True,
            ),
            Authority(
                str(_l("Local police (Lokale politie / Police locale)")),
                str(_l("Threats, doxxing, stalking, sexual images shared without consent.")),
                str(_l("File a report at your local police station.")),
            ),
            Authority(
                "Unia",
                str(
                    _l(
                        "The interfederal equality body: reports of discrimination and hate, "
                        "online too."
                    )
                ),
                str(_l("Report online at unia.be.")),
            ),
            Authority(
                str(_l("Institute for the Equality of Women and Men")),
                str(_l("Sexism and discrimination because of gender, online too.")),
                str(_l("Report on the institute's website, igvm-iefh.belgium.be.")),
            ),
            Authority(
                "Child Focus",
                str(_l("Online sexual exploitation of minors.")),
                str(_l("Call 116 000.")),
            ),
        ),
    )


COUNTRIES = {"NL": _netherlands, "BE": _belgium}
DEFAULT_COUNTRY = "NL"


def country_codes() -> tuple[str, ...]:
    """Return the countries whose authorities the guide knows."""
    return tuple(COUNTRIES)


def report_country(code: str | None = None) -> Country:
    """Return a country's authorities: the one asked for, else REPORT_COUNTRY, else NL."""
    configured = settings().report_country or DEFAULT_COUNTRY
    for candidate in ((code or "").upper(), configured, DEFAULT_COUNTRY):
        if candidate in COUNTRIES:
            return COUNTRIES[candidate]()
    raise AssertionError("the default country is always known")
