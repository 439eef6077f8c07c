"""The one declarative table of every field the draft can hold.

It drives the forms, the validator, the ``--set`` parser, key order in the built JSON,
the sandbox's routing facts and the help text. Paths are dotted draft paths; ``*`` stands
for a list index. Sources for every entry: ``spec/liveperson-api.md`` §4.2-§4.5, §6.2-§6.4.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

STRING = "string"
INTEGER = "integer"
NUMBER = "number"
ENUM = "enum"  # a string with documented values (not enforced: QA may send others)
OBJECT = "object"  # composite: its parts are fields of their own
DATE = "date"  # an object of day, month and year, all three required; typed as YYYY-MM-DD in forms and --set
LIST = "list"  # list of objects (contacts)
STRING_LIST = "string-list"  # list of strings (Client-Properties features)

GENDERS = ("MALE", "FEMALE", "OTHER")
PHONE_TYPES = ("HOME", "MOBILE", "WORK", "FAX", "MAIN", "HOME_FAX", "WORK_FAX", "PAGER", "OTHER")
TTR_DEF_NAMES = ("NORMAL", "URGENT", "PRIORITIZED", "CUSTOM")
CHANNEL_TYPES = ("MESSAGING",)
FIRST_MESSAGE_WAYS = ("send", "batch")  # after the create (the default), or in it (older docs)
CONTEXT_TYPES = ("SharkContext", "SMSContext")
CLIENT_PROPERTIES_TYPES = (".ClientProperties", ".ams.headers.ClientProperties")
AMR = ("face", "fpt", "geo", "hwk", "iris", "kba", "mca", "mfa", "otp", "pin", "pwd", "rba", "retina", "sc", "sms",
       "swk", "tel", "user", "vbm", "wia")
DEVICE_FAMILIES = ("DESKTOP", "TABLET", "MOBILE", "OTHER")
OSES = ("WINDOWS", "LINUX", "OSX", "ANDROID", "IOS", "OTHER")
INTEGRATIONS = ("WEB_SDK", "MOBILE_SDK", "BRAND_SDK")
FEATURES = (
    "AUTO_MESSAGES",
    "RICH_CONTENT",
    "CO_BROWSE",
    "CO_APP",
    "PHOTO_SHARING",
    "SECURE_FORMS",
    "QUICK_REPLIES",
    "MULTI_DIALOG",
)


@dataclass(frozen=True)
class Format:
    """What a string field's value should look like: a warning (never a refusal) when it does not.

    The warning reads ``{what} {value!r} {problem}`` with ``hint`` beside it."""

    regex: re.Pattern[str]
    what: str  # how the message names the value, e.g. "e-mail"
    problem: str  # e.g. "does not look like an address"
    hint: str = ""
    empty_ok: bool = False  # an empty string is not checked

    def check(self, value: str) -> str | None:
        """The warning's message when ``value`` does not fit, else None."""
        if self.empty_ok and not value:
            return None
        return None if self.regex.match(value) else f"{self.what} {value!r} {self.problem}"


LANG_RE = re.compile(r"^[a-z]{2}[-_][A-Z]{2}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
HTTP_URL_RE = re.compile(r"^https?://[^\s/?#]+[^\s]*$")
URI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")
PHONE_DIGITS = 5  # a phone number has at least this many digits
PHONE_RE = re.compile(r"^(?=(?:\D*\d){%d})\+?[0-9 ().\-/]{5,32}$" % PHONE_DIGITS)

PICTURE_HINT = "e.g. https://example.com/avatar.png"
ISSUER = Format(URI_RE, "iss", "is not a URI", "e.g. https://idp.example.com", empty_ok=True)


@dataclass(frozen=True)
class Field:
    path: str
    kind: str
    label: str
    help: str
    example: str = ""
    enum: tuple[str, ...] = ()
    nullable: bool = False  # an explicit JSON null is a documented choice
    secret: bool = False  # masked wherever it leaves the form (history, exports, evidence, the view)
    note: str = ""  # a caveat shown beside the field, e.g. "older docs only"
    format: Format | None = None  # what a string value should look like (the validator warns otherwise)
    unsupported: bool = False  # documented as not supported in the authenticated flow: sent, with a warning

    @property
    def section(self) -> str:
        return self.path.split(".", 1)[0]

    @property
    def key(self) -> str:
        return self.path.rsplit(".", 1)[-1]

    @property
    def is_leaf(self) -> bool:
        return self.kind not in (OBJECT, DATE, LIST)

    @property
    def is_composite(self) -> bool:
        """An object whose parts are fields of their own (a date is one too)."""
        return self.kind in (OBJECT, DATE)

    def describe(self) -> str:
        """One line of help: type, allowed values, example, caveat."""
        kind = "one of " + ", ".join(self.enum) if self.enum else self.kind
        if self.nullable:
            kind += ", or null"
        text = f"{self.label} ({kind}). {self.help}"
        if self.example:
            text += f" Example: {self.example}"
        if self.note:
            text += f" Note: {self.note}"
        return text


def _date(prefix: str, label: str, example: str) -> list[Field]:
    return [
        Field(prefix, DATE, label, "A date as its parts; all three are required when any is set.", example),
        Field(f"{prefix}.day", INTEGER, f"{label}: day", "Day of month, 1-31.", "15"),
        Field(f"{prefix}.month", INTEGER, f"{label}: month", "Month, 1-12.", "10"),
        Field(f"{prefix}.year", INTEGER, f"{label}: year", "Four-digit year.", "2014"),
    ]


def _auth(section: str) -> list[Field]:
    return [
        Field(f"{section}.auth", OBJECT, "Authentication (auth)",
              "How the consumer authenticated; sent beside the SDE's fields, in its own auth object."),
        Field(f"{section}.auth.amr", STRING_LIST, "Auth methods (amr)",
              "Comma-separated authentication method references, e.g. pwd, otp.", "pwd", AMR),
        Field(f"{section}.auth.iss", STRING, "Auth issuer (iss)", "The issuer, a URI.", "https://idp.example.com",
              format=ISSUER),
    ]


# Order matters: it is the key order of the built JSON. It follows the schemas, and the order
# of LivePerson's Connector API examples where they agree (customerId, socialId, imei, userName
# before ctype, ...). Documented examples whose own key order differs from another's cannot all
# come out key for key: the AUTO_MESSAGES example (DC-EX E) puts conversationContext after brandId,
# where the full CONVERSATION example (DC-CONV) puts it before channelType; lp-tui follows DC-CONV.
FIELDS: tuple[Field, ...] = (
    # --- Customer Info (ctmrinfo) -------------------------------------------------------
    Field("consumer.customerId", STRING, "Customer id", "Unique customer id.", "138766AC"),
    Field("consumer.socialId", STRING, "Social id", "Your own social-media id for the consumer.", "1234567890"),
    Field("consumer.imei", STRING, "IMEI", "Device or phone id.", "3543546543545688"),
    Field("consumer.userName", STRING, "User name", "Nickname or user name.", "user000"),
    Field(
        "consumer.ctype",
        STRING,
        "Customer type",
        "Customer type or tier, case-insensitive, from the account's own list (often used by routing rules).",
        "vip",
    ),
    Field("consumer.cstatus", STRING, "Customer status", "Lifecycle status from the account's own list.", "cancelled"),
    Field("consumer.balance", NUMBER, "Balance", "Financial balance, a decimal number.", "-400.99"),
    Field("consumer.currency", STRING, "Currency", "Currency of the balance: three upper-case letters (ISO 4217).", "USD",
          format=Format(CURRENCY_RE, "currency", "is not three upper-case letters", "use an ISO 4217 code such as USD")),
    Field("consumer.companySize", INTEGER, "Company size", "Number of employees, an integer.", "500"),
    Field("consumer.companyBranch", STRING, "Company branch", "Branch of the customer's company.", "ACME"),
    Field("consumer.accountName", STRING, "Account name", "The customer's company name.", "bank corp"),
    Field("consumer.role", STRING, "Role", "Role or title.", "broker"),
    *_date("consumer.lastPaymentDate", "Last payment date", '{"day":15,"month":10,"year":2014}'),
    *_date("consumer.registrationDate", "Registration date", '{"day":23,"month":5,"year":2013}'),
    Field("consumer.loginStatus", INTEGER, "Login status", "An integer; its meaning is not documented.", "0"),
    Field(
        "consumer.storeZipCode",
        STRING,
        "Store zip code",
        "Documented as not supported in the authenticated flow: sent, but likely ignored.",
        "20505",
        unsupported=True,
    ),
    Field(
        "consumer.storeNumber",
        STRING,
        "Store number",
        "Documented as not supported in the authenticated flow: sent, but likely ignored.",
        "123865",
        unsupported=True,
    ),
    *_auth("consumer"),
    # --- Personal Info (personal) --------------------------------------------------------
    Field("personal.firstname", STRING, "First name", "Consumer's first name (key is all lower case).", "John"),
    Field("personal.lastname", STRING, "Last name", "Consumer's surname.", "Doe"),
    Field("personal.age", OBJECT, "Age", "Age, or the birth date it is computed from.", '{"age":34,"year":1980}'),
    Field("personal.age.age", INTEGER, "Age: years", "Age in years; computed from the birth date when absent.", "34"),
    Field("personal.age.year", INTEGER, "Age: birth year", "Birth year, an integer.", "1980"),
    Field("personal.age.month", INTEGER, "Age: birth month", "Birth month, 1-12.", "4"),
    Field("personal.age.day", INTEGER, "Age: birth day", "Birth day, 1-31.", "15"),
    Field("personal.contacts", LIST, "Contacts", "A list of contacts.", '[{"email":"john@doe.com"}]'),
    Field("personal.contacts.*", OBJECT, "Contact", "One contact.", '{"email":"john@doe.com"}'),
    Field("personal.contacts.*.email", STRING, "E-mail", "E-mail address.", "john@doe.com",
          format=Format(EMAIL_RE, "e-mail", "does not look like an address", "e.g. john@doe.com")),
    Field("personal.contacts.*.phone", STRING, "Phone", "Phone number.", "+1 212-788-8877"),
    Field("personal.contacts.*.phoneType", ENUM, "Phone type", "Kind of phone.", "MOBILE", PHONE_TYPES),
    Field("personal.contacts.*.address", OBJECT, "Address", "Country and region.", '{"country":"US"}'),
    Field(
        "personal.contacts.*.address.country",
        STRING,
        "Country",
        "ISO 3166-1 alpha-2 code, upper case.",
        "US",
        format=Format(COUNTRY_RE, "country", "is not an ISO 3166-1 alpha-2 code", "two upper-case letters, e.g. US"),
    ),
    Field("personal.contacts.*.address.region", STRING, "Region", "Free-text region.", "North America"),
    Field("personal.gender", ENUM, "Gender", "Sent as a string.", "MALE", GENDERS),
    Field("personal.company", STRING, "Company", "The consumer's company.", "Microsoft Ltd."),
    Field(
        "personal.language",
        STRING,
        "Language",
        "Lower-case ISO 639-1 language and upper-case ISO 3166-1 country, joined by - or _.",
        "en-US",
        format=Format(LANG_RE, "language", "is not of the form en-US", "lower-case language, - or _, upper-case country"),
    ),
    *_auth("personal"),
    # --- userprofile.SetUserProfile: the profile the agent sees (beside authenticatedData) -------
    Field("profile.firstName", STRING, "First name", "The consumer's first name, as the agent sees it.", "John"),
    Field("profile.lastName", STRING, "Last name", "The consumer's last name.", "Doe"),
    Field("profile.userId", STRING, "User id", "Your id for the user.", "user-1234"),
    Field("profile.avatarUrl", STRING, "Avatar URL", "An http(s) URL of the consumer's picture.",
          "https://example.com/avatar.png",
          format=Format(HTTP_URL_RE, "avatarUrl", "is not an http(s) URL", PICTURE_HINT, empty_ok=True)),
    Field("profile.role", STRING, "Role", "The user's role; LivePerson's demo app sends \"consumer\".", "consumer"),
    Field("profile.backgndImgUri", STRING, "Background image URL", "An http(s) URL of a background image.",
          "https://example.com/background.png",
          format=Format(HTTP_URL_RE, "backgndImgUri", "is not an http(s) URL", PICTURE_HINT, empty_ok=True)),
    Field("profile.description", STRING, "Description", "Free text about the consumer.", "Gold member since 2019"),
    Field("profile.privateData", OBJECT, "Private data", "Contact details and push notification data."),
    Field("profile.privateData.mobileNum", STRING, "Mobile number", "A phone number.", "+1 212-788-8877",
          format=Format(PHONE_RE, "mobile number", "does not look like a phone number",
                        "digits, spaces, + - ( ), e.g. +1 212-788-8877", empty_ok=True)),
    Field("profile.privateData.mail", STRING, "E-mail", "An e-mail address.", "john@example.com",
          format=Format(EMAIL_RE, "e-mail", "does not look like an address", "e.g. john@example.com", empty_ok=True)),
    Field("profile.privateData.pushNotificationData", OBJECT, "Push notifications", "Where to push to the device."),
    Field("profile.privateData.pushNotificationData.serviceName", STRING, "Push service", "The push service.", "APNS"),
    Field("profile.privateData.pushNotificationData.certName", STRING, "Push certificate", "The certificate name.",
          "com.example.app"),
    Field("profile.privateData.pushNotificationData.token", STRING, "Push token",
          "The device's push token: a secret, masked everywhere it leaves this form.", "", secret=True),
    # --- cm.ConsumerRequestConversation ---------------------------------------------------
    Field(
        "conversation.ttrDefName",
        ENUM,
        "TTR profile (ttrDefName)",
        "Urgency profile. CUSTOM is listed only by older docs. Omit it, or send null as the demo app does.",
        "NORMAL",
        TTR_DEF_NAMES,
        nullable=True,
    ),
    Field("conversation.campaignInfo", OBJECT, "Campaign info", "Campaign routing, the recommended way."),
    Field("conversation.campaignInfo.campaignId", STRING, "Campaign id", "Campaign for messaging id.", "2739101812"),
    Field("conversation.campaignInfo.engagementId", STRING, "Engagement id", "Engagement id of that campaign.", "2739121912"),
    Field("conversation.conversationContext", OBJECT, "Conversation context", "Where the conversation was created."),
    Field("conversation.conversationContext.visitorId", STRING, "Visitor id", "From the Monitoring API.", "A3ZTY3Zjk1MDExZTczYTU4"),
    Field("conversation.conversationContext.sessionId", STRING, "Session id", "From the Monitoring API.", "ys2wSqaSRSOJGki7VhEDKQ"),
    Field(
        "conversation.conversationContext.interactionContextId",
        STRING,
        "Interaction context id",
        "The Monitoring API contextId, as a string.",
        "2",
    ),
    Field(
        "conversation.conversationContext.type",
        ENUM,
        "Context type",
        "SharkContext when Monitoring API values are used.",
        "SharkContext",
        CONTEXT_TYPES,
    ),
    Field("conversation.conversationContext.lang", STRING, "Context language", "IETF tag configured on the engagement.", "en-US",
          format=Format(LANG_RE, "lang", "is not an IETF tag like en-US")),
    Field("conversation.channelType", ENUM, "Channel type", "Always MESSAGING.", "MESSAGING", CHANNEL_TYPES),
    Field(
        "conversation.brandId",
        STRING,
        "Brand id",
        "The account (site) id. Left empty, the account id of the connection is used.",
        "12345678",
    ),
    Field("conversation.skillId", STRING, "Skill id", 'Skill to route to, as a string; "-1" means any skill.', "2736637412"),
    # --- a first message: a SEND right after the create, or (older docs) a third request ------
    Field("firstMessage.text", STRING, "First message",
          "A text message published right after the create, as a SEND (ms.PublishEvent) whose dialogId "
          "is the new conversationId.",
          "Hello, I need your support"),
    Field("firstMessage.how", ENUM, "First message sent as",
          "send (or empty): a SEND right after the create, as LivePerson's current pages show. "
          "batch: a third request in the create call (older docs), for QA.",
          "send", FIRST_MESSAGE_WAYS,
          note="batch: only LivePerson's oldest create page shows it; ms.PublishEvent's schema requires a "
               "dialogId, which no conversation has yet."),
    # --- Envelope ----------------------------------------------------------------------
    Field("ids.profile", STRING, "SetUserProfile request id", "Echoed back as reqId. Docs use \"1,\"; UUIDs work too.", "1"),
    Field("ids.conversation", STRING, "Conversation request id", "Echoed back as reqId.", "2"),
    Field("ids.message", STRING, "First message request id",
          "Echoed back as reqId; 3 in the create batch, 1 in the SEND, when left empty.", "3"),
    # --- the Client-Properties header: sent with the create and every SEND after it ---------
    Field("clientProperties.type", ENUM, "Client-Properties type",
          "Sent in the optional Client-Properties header (and then on every SEND, close and message).",
          ".ClientProperties", CLIENT_PROPERTIES_TYPES),
    Field("clientProperties.appId", STRING, "App id", "Your application's id.", "com.example.app"),
    Field("clientProperties.appVersion", STRING, "App version", "Your application's version.", "1.0.0"),
    Field("clientProperties.ipAddress", STRING, "IP address", "The consumer's IP address.", "203.0.113.7"),
    Field("clientProperties.deviceFamily", ENUM, "Device family", "Kind of device.", "DESKTOP", DEVICE_FAMILIES),
    Field("clientProperties.os", ENUM, "OS", "Operating system.", "LINUX", OSES),
    Field("clientProperties.osVersion", STRING, "OS version", "Operating system version.", "6.1"),
    Field("clientProperties.osName", STRING, "OS name", "Operating system name.", "Ubuntu"),
    Field("clientProperties.integration", ENUM, "Integration", "How the consumer reaches you.", "BRAND_SDK",
          INTEGRATIONS),
    Field("clientProperties.integrationVersion", STRING, "Integration version", "Its version.", "1.0"),
    Field("clientProperties.browser", STRING, "Browser", "Browser name.", "Firefox"),
    Field("clientProperties.browserVersion", STRING, "Browser version", "Browser version.", "128.0"),
    Field("clientProperties.timeZone", STRING, "Time zone", "IANA time zone.", "America/New_York"),
    Field("clientProperties.deviceManufacture", STRING, "Device maker", "Device manufacturer.", "Apple"),
    Field("clientProperties.deviceModel", STRING, "Device model", "Device model.", "iPhone15,2"),
    Field("clientProperties.features", STRING_LIST, "Client-Properties features",
          "Comma-separated features, e.g. AUTO_MESSAGES.", "AUTO_MESSAGES", FEATURES),
)

BY_PATH: dict[str, Field] = {f.path: f for f in FIELDS}
SECRET_PATHS = tuple(f.path for f in FIELDS if f.secret)
DATE_PATHS = tuple(f.path for f in FIELDS if f.kind == DATE)
DATE_PARTS = ("day", "month", "year")  # the parts of a DATE, in the forms' order
CONTACTS = "personal.contacts"  # the list of contacts; each item's fields are CONTACT_FIELDS
CONTACT_FIELDS = tuple(f.path.removeprefix(f"{CONTACTS}.*.") for f in FIELDS
                       if f.path.startswith(f"{CONTACTS}.*.") and f.is_leaf)
# SetUserProfile's keys in the schema's order: the profile fields, authenticatedData, privateData
PROFILE_ORDER = ("firstName", "lastName", "userId", "avatarUrl", "role", "backgndImgUri", "description",
                 "authenticatedData", "privateData")


def pattern_of(path: str) -> str:
    """``personal.contacts.3.email`` -> ``personal.contacts.*.email``."""
    return ".".join("*" if part.isascii() and part.isdigit() else part for part in path.split("."))


def field_for(path: str) -> Field | None:
    return BY_PATH.get(pattern_of(path))


@lru_cache(maxsize=None)
def child_order(prefix: str) -> tuple[str, ...]:
    """Documented key order of the object at ``prefix`` (a pattern path)."""
    depth = prefix.count(".") + 1
    keys: list[str] = []
    for f in FIELDS:
        parts = f.path.split(".")
        if f.path.startswith(prefix + ".") and len(parts) == depth + 1 and parts[-1] != "*":
            keys.append(parts[-1])
    return tuple(keys)


def section_fields(section: str) -> list[Field]:
    return [f for f in FIELDS if f.section == section]
