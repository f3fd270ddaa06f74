"""Settings for crous-admin, read from the environment.

Two shapes of the same file:

* the embedded default (``make run``, ``make test``): SQLite in ``var/``, Celery on message
  files in ``var/celery-broker/`` (``crous_admin/celery_transport.py``), emails and SMS
  written to ``var/outbox/``;
* production (``DEBUG=false``): ``DATABASE_URL`` (PostgreSQL), ``REDIS_URL`` (broker and shared
  cache), ``SECRET_KEY`` and ``ALLOWED_HOSTS`` are required.

Every variable is listed in ``docs/configuration.md``.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=True)

SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
if DEBUG:
    SECRET_KEY = SECRET_KEY or "django-insecure-development-only-never-in-production"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["localhost", "127.0.0.1", "[::1]", "testserver"]
else:
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set to a random string of at least 50 characters when DEBUG is "
            "off. Generate one with: python -c 'import secrets; print(secrets.token_urlsafe(64))'"
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS must list the host names this site answers to when DEBUG is off, "
            "e.g. ALLOWED_HOSTS=logement.crous.example,admin.crous.example"
        )

# The public address of the site, for links in emails and SMS (no trailing slash).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Tenant codes are stored as a keyed HMAC. The key is its own so that rotating SECRET_KEY
# does not invalidate codes already sent to students (see docs/adr/0003-tenant-code-storage.md).
TENANT_CODE_HMAC_KEY = env.str("TENANT_CODE_HMAC_KEY", default=SECRET_KEY)
# Per-Crous settings (residences.Crous) decide attempts and block hours; these apply to an
# account's wrong codes when no tenant file tells which Crous it is about.
TENANT_CODE_DEFAULT_MAX_ATTEMPTS = 5
TENANT_CODE_DEFAULT_BLOCK_HOURS = 3
# Codes typed from one IP address in an hour (a residence's shared connection counts once).
TENANT_CODE_ATTEMPTS_PER_IP_PER_HOUR = env.int("TENANT_CODE_ATTEMPTS_PER_IP_PER_HOUR", default=60)

INSTALLED_APPS = [
    "crous_admin.accounts",
    # Django's admin with the back-office site as admin.site (crous_admin/admin.py).
    "crous_admin.apps.CrousAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Third parties
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "simple_history",
    "phonenumber_field",
    "django_htmx",
    "dsfr",
    "health_check",
    "axes",
    # Project
    "crous_admin.health",
    "crous_admin.portal",
    "residences",
    "tenants",
    "tenancy",
    "assistance",
    "renewals",
    "notifications",
    # The project layer: seeds every app above (manage.py seed_demo).
    "crous_admin.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Opens the viewer's per-Crous scope for everything below it (see crous_admin/scoping.py).
    "crous_admin.scoping.CrousScopeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: turns a locked-out login into AXES_LOCKOUT_CALLABLE's page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "crous_admin.urls"
WSGI_APPLICATION = "crous_admin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "crous_admin" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "crous_admin.portal.context_processors.site",
            ],
        },
    },
]

# One form renderer, built once per process (crous_admin/portal/form_renderer.py): left at
# Django's default, django-dsfr's forms build a new template engine for every form rendered.
FORM_RENDERER = "crous_admin.portal.form_renderer.FormRenderer"

# --- Database -----------------------------------------------------------------------------

SQLITE_PATH = VAR_DIR / "db.sqlite3"
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{SQLITE_PATH}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, the worker and beat share one SQLite file in the embedded default:
    # WAL lets readers run beside the writer, IMMEDIATE transactions take the write lock
    # up front instead of failing half-way with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, broker ------------------------------------------------------------------------

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "crous_admin",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_DIR = VAR_DIR / "celery-broker"
# The embedded default keeps its database and broker in var/: a fresh clone has none.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
# Without Redis: message files that only appear whole, claimed by rename
# (crous_admin/celery_transport.py, docs/adr/0019-embedded-broker-atomic-files.md); the
# transport makes its folders.
CELERY_BROKER_URL = REDIS_URL or "atomicfs://"
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = (
    # Tasks must stay far shorter than this: a task still running after it is delivered
    # again (shared/STACK.md, measured). Deadlines live in the database, never in ETAs.
    {"visibility_timeout": 3600}
    if REDIS_URL
    else {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "staging_folder": str(CELERY_BROKER_DIR / "staging"),
        "claims_folder": str(CELERY_BROKER_DIR / "claimed"),
        "rejected_folder": str(CELERY_BROKER_DIR / "rejected"),
        # Broadcasts (worker control, ``celery inspect``) otherwise land in ./control.
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        # An idle worker looks for new messages this often (kombu's default: every second).
        "polling_interval": 0.2,
    }
)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# Keep database connections across tasks (crous_admin/celery.py recycles them as Django does
# between requests) instead of reconnecting around every task.
CELERY_DB_REUSE_MAX = 1000

# --- Auth ---------------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses every password check while the (address, connection) pair is locked out.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Grants model permissions from the staff member's Crous roles (crous_admin/accounts/roles.py).
    "crous_admin.accounts.backends.CrousRoleBackend",
]

# The facts the per-Crous scoping and the roles need, read from the domain apps that own
# them, so that crous_admin's shared modules import no domain app (ARCHITECTURE.md, ADR 15):
# a user's (Crous id, role) pairs, and the Crous holding a student's linked tenant files.
CROUS_STAFF_ROLES_READER = "residences.selectors.staff_memberships_of"
CROUS_STUDENT_CROUS_READER = "tenants.selectors.crous_ids_of_student"
# Both at once, in one query: what the scoping middleware reads on every logged-in page.
CROUS_SCOPE_FACTS_READER = "tenants.selectors.crous_facts_of"
# What other apps show under each tenant file on the housing page ("I consult my file"):
# name → a selector ``(*, tenant_files) -> {file id: box}``, read by the view, so the page's
# templates run no query and tenants imports none of these apps.
HOUSING_PAGE_SECTIONS = {
    "space": "tenancy.selectors.space_summaries",
    "renewal": "renewals.selectors.renewal_boxes_of",
}

# Login lockout (django-axes), on the student pages and the back-office alike: after
# LOGIN_FAILURE_LIMIT wrong passwords for one address from one connection, that pair is locked
# for LOGIN_COOLOFF_MINUTES. Locking the pair, not the address alone, keeps a stranger from
# locking a student out of their own account. The activation-code lockout is a separate,
# per-Crous business rule (tenants/code_redemption.py).
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True  # failures are what matter; successful logins are not kept
AXES_ENABLE_ADMIN = False  # unlock with ``manage.py axes_reset_username <email>``
AXES_CLIENT_IP_CALLABLE = "crous_admin.client_ip.client_ip"  # NUM_PROXIES-aware, as the API's
AXES_USERNAME_CALLABLE = "crous_admin.accounts.login_lockout.login_address"
AXES_LOCKOUT_CALLABLE = "crous_admin.portal.views.login_locked_out"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:home"

# === State sign-in (OpenID Connect), staff MFA, demo identity provider =====================
# docs/state-sign-in.md. The allauth account settings proper (sign-up, verification, reset,
# rate limits) live in their own block; this one adds what State sign-in and MFA need.

INSTALLED_APPS += [
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.mfa",
]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "allauth.account.middleware.AccountMiddleware",
)
# After the scope and messages: staff without a second factor only reach enrolment.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware") + 1,
    "crous_admin.accounts.mfa_enforcement.StaffMfaRequiredMiddleware",
)
AUTHENTICATION_BACKENDS.insert(
    AUTHENTICATION_BACKENDS.index("django.contrib.auth.backends.ModelBackend") + 1,
    "allauth.account.auth_backends.AuthenticationBackend",
)
# Accounts are email addresses (accounts.User has no username).
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"

# A first sign-in through FranceConnect or ProConnect joins the existing account that has
# the same address only when the provider vouches for the address (``email_verified``).
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_LOGIN_ON_GET = False  # the buttons post a form: a link cannot start a sign-in
SOCIALACCOUNT_STORE_TOKENS = False  # the site needs who signed in, not their tokens

# The local demonstration provider (crous_admin/demo_oidc/): development only; refused with
# DEBUG off (here, and by the system check demo_oidc.E001).
DEMO_OIDC_PROVIDER = env.bool("DEMO_OIDC_PROVIDER", default=DEBUG)
DEMO_OIDC_CLIENTS = {
    # Demo client secrets: they only open the demo provider, which never runs in production.
    "student": {
        "client_id": "crous-demo-franceconnect",
        "secret": "demo-franceconnect-secret",
        "provider_id": "franceconnect",
        "name": "FranceConnect (démonstration)",
        "server_url": f"{SITE_URL}/demo-oidc",
    },
    "staff": {
        "client_id": "crous-demo-proconnect",
        "secret": "demo-proconnect-secret",
        "provider_id": "proconnect",
        "name": "ProConnect (démonstration)",
        "server_url": f"{SITE_URL}/demo-oidc",
    },
}
if DEMO_OIDC_PROVIDER and not DEBUG:
    # Settings refuse it (gunicorn runs no system checks); demo_oidc.E001 says it again.
    raise ImproperlyConfigured(
        "DEMO_OIDC_PROVIDER is for development only: it lets anybody sign in as any demo "
        "identity. Unset it when DEBUG is off (docs/state-sign-in.md)."
    )
if DEMO_OIDC_PROVIDER:
    from crous_admin.demo_oidc.keys import rsa_private_key_pem

    INSTALLED_APPS += ["oauth2_provider", "crous_admin.demo_oidc"]
    OAUTH2_PROVIDER = {
        "OIDC_ENABLED": True,
        # Generated at each start unless given: a signing key is never committed.
        "OIDC_RSA_PRIVATE_KEY": env.str("DEMO_OIDC_RSA_PRIVATE_KEY", default="")
        or rsa_private_key_pem(),
        "PKCE_REQUIRED": True,
        "SCOPES": {
            "openid": _("Your identifier at this provider"),
            "profile": _("Your names"),
            "email": _("Your email address"),
        },
        "OAUTH2_VALIDATOR_CLASS": "crous_admin.demo_oidc.validator.DemoOIDCValidator",
    }

from crous_admin.accounts.state_sign_in.config import oidc_app  # noqa: E402

SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        # allauth's provider with a nonce, an always-checked signature and the claims of the
        # French federations (crous_admin/accounts/state_sign_in/provider.py).
        "provider_class": "crous_admin.accounts.state_sign_in.provider.StateOIDCProvider",
        "APPS": [
            app
            for app in (
                oidc_app(
                    env,
                    "OIDC_STUDENT",
                    provider_id="franceconnect",
                    name="FranceConnect",
                    demo=DEMO_OIDC_CLIENTS["student"] if DEMO_OIDC_PROVIDER else None,
                ),
                oidc_app(
                    env,
                    "OIDC_STAFF",
                    provider_id="proconnect",
                    name="ProConnect",
                    demo=DEMO_OIDC_CLIENTS["staff"] if DEMO_OIDC_PROVIDER else None,
                ),
            )
            if app is not None
        ],
    }
}

# Staff MFA (allauth.mfa): TOTP with recovery codes. Required for every staff role and
# superusers by default in production; off in ``make run`` and tests unless set.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Crous"
STAFF_MFA_REQUIRED = env.bool("STAFF_MFA_REQUIRED", default=not DEBUG)

# Staff invitations: how long the one-time link to set a password stays valid.
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3 * 24 * 3600)
# === End of State sign-in, staff MFA, demo identity provider ==============================

# --- Internationalisation -----------------------------------------------------------------

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
PHONENUMBER_DEFAULT_REGION = "FR"
PHONENUMBER_DB_FORMAT = "E164"

# --- Static files -------------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "media/"

# --- Email and SMS ------------------------------------------------------------------------

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = Path(env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "outbox" / "email")))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Crous <ne-pas-repondre@crous.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# django-anymail (EMAIL_BACKEND=anymail.backends.<provider>.EmailBackend) reads its keys from
# every ANYMAIL_* variable, e.g. ANYMAIL_BREVO_API_KEY -> ANYMAIL["BREVO_API_KEY"].
ANYMAIL = {
    name.removeprefix("ANYMAIL_"): value
    for name, value in env.ENVIRON.items()
    if name.startswith("ANYMAIL_")
}
# SMS backends are shaped like Django's email backends (notifications/sms/, docs/notifications.md).
SMS_BACKEND = env.str("SMS_BACKEND", default="notifications.sms.backends.filebased.SmsBackend")
SMS_FILE_PATH = Path(env.str("SMS_FILE_PATH", default=str(VAR_DIR / "outbox" / "sms")))
SMS_HTTP_URL = env.str("SMS_HTTP_URL", default="")
SMS_HTTP_TOKEN = env.str("SMS_HTTP_TOKEN", default="")
# Fault injection (notifications/faults.py), with EMAIL_BACKEND=notifications.faults.EmailBackend
# or SMS_BACKEND=notifications.sms.backends.faulty.SmsBackend: tests and drills only.
NOTIFICATIONS_FAULTS = env.json("NOTIFICATIONS_FAULTS", default={})
NOTIFICATIONS_ALERT_AFTER_UNEXPECTED_ERRORS = env.int(
    "NOTIFICATIONS_ALERT_AFTER_UNEXPECTED_ERRORS", default=3
)
# First retry delay, doubled at each attempt; drills shorten it to see retries in seconds.
NOTIFICATIONS_RETRY_BASE_SECONDS = env.float("NOTIFICATIONS_RETRY_BASE_SECONDS", default=60)
SMS_HTTP_TIMEOUT = env.float("SMS_HTTP_TIMEOUT", default=10.0)
# Outbox delivery (defaults of the other knobs: notifications/policy.py). A claim older than
# the lease is presumed dead and taken over; it must outlast the task time limit (60 s).
NOTIFICATIONS_CLAIM_LEASE_SECONDS = env.int("NOTIFICATIONS_CLAIM_LEASE_SECONDS", default=120)
NOTIFICATIONS_SWEEP_GRACE_SECONDS = env.int("NOTIFICATIONS_SWEEP_GRACE_SECONDS", default=120)
# Messages queued together are delivered by one task per this many (ADR 0008).
NOTIFICATIONS_BATCH_SIZE = env.int("NOTIFICATIONS_BATCH_SIZE", default=100)

# --- REST API -----------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["crous_admin.api.permissions.CrousModelPermissions"],
    "DEFAULT_PAGINATION_CLASS": "crous_admin.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "crous_admin.api.filters.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "crous_admin.api.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "anon": "120/minute",
        "user": "1200/minute",
        # Tenant codes typed from one IP address (tenants.api.student_views.TenantCodeThrottle).
        "tenant_code": "30/minute",
        # The public document verification page, per IP (tenancy.portal.verification).
        "document_verification": env.str("DOCUMENT_VERIFICATION_RATE", default="20/minute"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # How many reverse proxies (load balancer, nginx…) stand before gunicorn: the client's
    # address is then read from X-Forwarded-For that many hops back (crous_admin/client_ip.py).
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "crous-admin API",
    "DESCRIPTION": (
        "Student housing of the Crous: residences, housing units, students and tenant files. "
        "Staff see only the Crous they belong to."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "DEFAULT_GENERATOR_CLASS": "crous_admin.api.schema.ScopesDisabledSchemaGenerator",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "status": name each choice set after its model.
    "ENUM_NAME_OVERRIDES": {
        "UnitStatusEnum": "residences.models.UnitStatus",
        "TenantFileStatusEnum": "tenants.models.TenantFileStatus",
        "MessageStatusEnum": "notifications.models.MessageStatus",
        "TicketStatusEnum": "assistance.models.TicketStatus",
        "RenewalRequestStatusEnum": "renewals.models.RequestStatus",
    },
}

# --- Security (production) ----------------------------------------------------------------

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
SILENCED_SYSTEM_CHECKS = [] if env.bool("SECURE_HSTS_PRELOAD", default=False) else ["security.W021"]

# --- Logging ------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # django-axes logs every login and its own start at INFO; failures and lockouts are
        # warnings and still show.
        "axes": {"level": "WARNING"},
    },
}

# --- Domain defaults ----------------------------------------------------------------------

DSFR_USE_INTEGRITY_CHECKSUMS = False

# --- Tenant space: rent payments (docs/tenant-space.md) -------------------------------------

# "fake" simulates a provider inside the application (no money moves): the embedded default.
RENT_PAYMENT_GATEWAY = env.str("RENT_PAYMENT_GATEWAY", default="fake")
RENT_PAYMENT_STRIPE_LIKE = {
    "API_BASE": env.str("RENT_PAYMENT_API_BASE", default=""),
    "API_KEY": env.str("RENT_PAYMENT_API_KEY", default=""),
    "WEBHOOK_SECRET": env.str("RENT_PAYMENT_WEBHOOK_SECRET", default=""),
}

# --- Renewals (docs/renewals.md) -----------------------------------------------------------

# A month's rent is due on its first day; the renewal check counts it unpaid only once this
# many days have passed, so a student paying in the first days of the month is not blocked.
RENEWALS_RENT_GRACE_DAYS = env.int("RENEWALS_RENT_GRACE_DAYS", default=10)
