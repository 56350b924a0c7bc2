"""ReLyfe settings: one file, read from the environment.

With no environment at all ReLyfe runs on embedded defaults (SQLite, files and the Celery broker
under var/, console e-mail). Production changes only environment variables: see .env.example.
"""

import ipaddress
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

# Like healthchecks, DEBUG is on unless the environment says otherwise, so that a newcomer's first
# run works with no configuration; every production-only protection below keys off it.
DEBUG = env.bool("DEBUG", default=True)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (see .env.example).")
    SECRET_KEY = "development-only-key-never-used-when-debug-is-off"  # noqa: S105  # nosec B105  # DEBUG only
# Former SECRET_KEYs that still verify what Django signed with them (sessions, password reset links, signed
# reminder actions) and what ReLyfe keyed with them before RELYFE_KEYS: see README, "Rotating keys".
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
# The keys of long-lived secrets (Heart-Code URLs on printed cards, printer secrets, claim codes), newest
# first, apart from SECRET_KEY: the newest makes new secrets, the others still verify (relyfe/keys.py).
# Empty: SECRET_KEY (and its fallbacks) as before.
RELYFE_KEYS = env.list("RELYFE_KEYS", default=[])
# Whether SECRET_KEY and its fallbacks still verify what was made before RELYFE_KEYS was set.
RELYFE_KEYS_INCLUDE_SECRET_KEY = env.bool("RELYFE_KEYS_INCLUDE_SECRET_KEY", default=True)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The public address of the site, for links sent by e-mail and printed on Heart-Code cards.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# Everything the embedded defaults write (database, uploaded files, broker queue, cache) lives here.
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    # Before whitenoise and staticfiles: its runserver, which reads chunked bodies (printing), wins.
    "printing",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "relyfe",
    "access",
    "accounts",
    # After accounts: its models look the user model up when they are imported.
    "django_otp_webauthn",
    "audit",
    "health_records",
    "sharing",
    "treatments",
    "labs",
    "comments",
    "faces",
    "notifications",
    "home",
    "portability",
    "erasure",
    "demo",
]

MIDDLEWARE = [
    # First: every line logged while the request runs carries its id (relyfe/logs.py).
    "relyfe.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before CSRF, which reads uploads: removes their temporary files, answers 507 when the disk is full.
    "documents.middleware.UploadsMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session passed a second factor.
    "django_otp.middleware.OTPMiddleware",
    # Signs out a browser whose session its owner ended elsewhere; sets the device cookie of a sign-in.
    "accounts.middleware.UserSessionMiddleware",
    # Professionals and staff reach nothing until their session passed the second factor.
    "accounts.two_factor.middleware.SecondFactorRequiredMiddleware",
    # An account whose deletion waits for its grace period only sees the page that cancels it.
    "erasure.middleware.PendingDeletionMiddleware",
    "relyfe.middleware.UserTimeZoneMiddleware",
    "relyfe.middleware.PrivateResponsesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "relyfe.urls"
WSGI_APPLICATION = "relyfe.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "printing.selectors.print_inbox",
                "accounts.context_processors.navigation_facts",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'relyfe.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, the worker and beat write to the same file: WAL lets readers go on while one
    # writes, and IMMEDIATE transactions wait for the lock instead of failing with "database locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests use a file, not memory, so that a real Celery worker started by a test can open it too.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: Celery broker and cache when set, embedded replacements otherwise -------------------

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # A task taken by a worker that died is given to another after this many seconds (acks_late).
    # max_retries 0: a message sent while Redis is down fails at once instead of after kombu's three reconnection
    # attempts (6 s for each task queued, in the request: a prescription of three pages answered after 40 s,
    # past gunicorn's timeout); the outbox keeps it and sends it later. The worker's own reconnection loop keeps
    # its settings (broker_connection_max_retries).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("REDIS_VISIBILITY_TIMEOUT", default=3600),
        "max_retries": 0,
    }
    # While Redis cannot be reached, the cache works on each process's memory (relyfe/cache.py): rate limits
    # still count, and a dead Redis costs a request milliseconds rather than an error page.
    CACHES = {
        "default": {
            "BACKEND": "relyfe.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    # kombu's filesystem transport: a real broker that needs no server, shared by the web
    # process, the worker and beat through a folder.
    BROKER_DIR = VAR_DIR / "broker"
    for folder in ("queue", "control"):
        (BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://localhost/"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Celery -------------------------------------------------------------------------------------

CELERY_TIMEZONE = "UTC"
CELERY_TASK_IGNORE_RESULT = True
# Tasks are safe to run twice: acknowledge after the work so that a lost worker's task runs again.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Every task has a time limit: at the soft one the task gets SoftTimeLimitExceeded (and fails, acknowledged:
# the sweeper takes it up again), at the hard one its pool process is killed. Without one, a task stuck on a
# network call holds its process for ever and a warm shutdown waits for it for ever. Tasks that read
# documents (OCR) or work on faces say longer limits on their decorator.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=90)
# A pool process is replaced after this many tasks, or after a task that left it above this many KiB:
# the OCR and face models grow a process; replacing it between two tasks is gentler than the OOM killer's
# SIGKILL in the middle of one.
CELERY_WORKER_MAX_TASKS_PER_CHILD = env.int("CELERY_WORKER_MAX_TASKS_PER_CHILD", default=200)
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int("CELERY_WORKER_MAX_MEMORY_PER_CHILD_KIB", default=1_500_000)
# A pool process killed mid-task (SIGKILL, OOM): its task is given back to the broker and run again
# (acks_late + reject_on_worker_lost above), after worker_lost_wait (10 s). What no setting avoids: a process
# killed in the instant a task is written to it leaves that task "received" for ever and, once every slot
# is taken that way, the worker runs nothing more (celery's AsynPool, reproduced on Celery 5.7 / billiard
# 4.3: neither time limits nor worker_proc_alive_timeout, which only watches a new process's start, free it).
# That worker still answers `celery inspect ping`; what shows it is that it executes nothing: /healthz and
# `manage.py worker_alive` (the age of the last task executed) and the watchdog in deploy/systemd restart it.
# A task whose message is lost with the broker connection is cancelled, since its late ack can no longer
# reach the broker that will give it to another worker (Celery 6's default).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# Stopping (SIGTERM, with REMAP_SIGTERM=SIGQUIT as deploy/systemd/relyfe-worker.service sets): running tasks
# get this many seconds to finish, then they are cancelled and their messages given back to the broker, which
# runs them again after the restart. A plain warm shutdown would wait for a jammed pool for ever.
CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT = env.float("CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT", default=30.0)
# /healthz answers 503, and `manage.py worker_alive` fails, when no worker executed a task for this long.
# Beat sends a heartbeat every minute; the limit must also exceed the longest hard time limit (360 s: a
# worker whose every process runs a long reading executes nothing meanwhile, and is not hung).
WORKER_STALE_SECONDS = env.int("WORKER_STALE_SECONDS", default=600)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Medication reminders: beat looks for due reminders this often; one missed while the worker was down
# is still sent within the lateness window, and never after it.
REMINDER_TICK_SECONDS = env.int("REMINDER_TICK_SECONDS", default=60)
REMINDER_LATENESS = timedelta(minutes=env.int("REMINDER_LATENESS_MINUTES", default=120))
# A reminder queued but not sent after this long (its task was lost with a worker) is queued again by the
# sweeper (treatments.reminders.dispatches_sweep), which runs every SWEEP_SECONDS.
REMINDER_REQUEUE_AFTER = timedelta(seconds=env.int("REMINDER_REQUEUE_SECONDS", default=300))
# Each tick queues one task per range of patients, so that as many workers plan and send a moment in parallel
# (treatments.reminders.partitions); each sends REMINDER_SEND_BATCH reminders per transaction. SQLite has one
# writer at a time: one range.
REMINDER_PARTITIONS = env.int(
    "REMINDER_PARTITIONS", default=1 if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" else 4
)
REMINDER_SEND_BATCH = env.int("REMINDER_SEND_BATCH", default=500)
# The outbox retries a message the broker refused after OUTBOX_RETRY_BASE, then twice as long each time up
# to OUTBOX_RETRY_CAP, and marks it failed after OUTBOX_MAX_ATTEMPTS.
OUTBOX_RETRY_BASE = timedelta(seconds=env.int("OUTBOX_RETRY_BASE_SECONDS", default=60))
OUTBOX_RETRY_CAP = timedelta(seconds=env.int("OUTBOX_RETRY_CAP_SECONDS", default=3600))
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=12)
# The sweeper looks this often for work not done STUCK_AFTER after it was queued (a reading, a thumbnail,
# a notification's e-mail or push) and sends it again; once STUCK_MAX_ATTEMPTS runs a worker STARTED never
# finished, it is marked failed (sends no worker took count for nothing: see relyfe/outbox.py).
SWEEP_SECONDS = env.int("SWEEP_SECONDS", default=300)
STUCK_AFTER = timedelta(seconds=env.int("STUCK_AFTER_SECONDS", default=900))
STUCK_MAX_ATTEMPTS = env.int("STUCK_MAX_ATTEMPTS", default=3)
CELERY_BEAT_SCHEDULE = {
    # Something to execute every minute, so that the age of the last task executed means something; one
    # that waited longer than a minute is dropped, the next one says the same.
    "worker-heartbeat": {
        "task": "relyfe.tasks.heartbeat",
        "schedule": timedelta(minutes=1),
        "options": {"expires": 60},
    },
    "medication-reminders": {
        "task": "treatments.tasks.reminders_tick",
        "schedule": timedelta(seconds=REMINDER_TICK_SECONDS),
        # A tick that waited longer than its interval is useless: the next one covers the same window.
        "options": {"expires": REMINDER_TICK_SECONDS},
    },
    # Face templates a lost task did not erase after a withdrawal.
    "face-templates-erase-overdue": {
        "task": "faces.tasks.face_templates_erase_overdue",
        "schedule": timedelta(minutes=10),
    },
    # The transactional outbox: what the broker could not take when it was queued (relyfe/outbox.py).
    "outbox-dispatch": {
        "task": "relyfe.tasks.outbox_dispatch",
        "schedule": timedelta(minutes=1),
        "options": {"expires": 60},
    },
    # Readings, thumbnails and notifications stuck past their deadline are queued again, or marked failed.
    "stuck-work-sweep": {
        "task": "relyfe.tasks.stuck_work_sweep",
        "schedule": timedelta(seconds=SWEEP_SECONDS),
        "options": {"expires": SWEEP_SECONDS},
    },
    # Account deletions past their grace period are erased; a week before, the patient is reminded.
    "account-deletions": {
        "task": "erasure.tasks.account_deletions_tick",
        "schedule": timedelta(hours=1),
    },
    # Access events older than ACCESS_LOG_RETENTION_DAYS are deleted.
    "access-log-retention": {
        "task": "erasure.tasks.access_log_purge",
        "schedule": timedelta(days=1),
    },
    # Files kept from a form sent back with an error, never sent again.
    "staged-uploads-sweep": {
        "task": "health_records.tasks.staged_uploads_sweep",
        "schedule": timedelta(hours=1),
    },
    # The ZIPs of "Download all my data" past their expiry are deleted (portability/export_services.py).
    "exports-expire": {
        "task": "portability.export_tasks.expire_exports",
        "schedule": timedelta(hours=1),
    },
}
# --- Medication safety, supply and caregivers (treatments/safety/, treatments/supply.py) ----------

# What checks interactions between medications: the curated table of the ANSM thesaurus by default; a
# licensed source (Vidal, Posos) is another class implementing treatments.safety.InteractionChecker.
SAFETY_INTERACTION_CHECKER = env.str(
    "SAFETY_INTERACTION_CHECKER", default="treatments.safety.interactions.ThesaurusTableChecker"
)
# How many days before a renewal is due, or before the stock runs out, the patient is reminded.
SUPPLY_REMINDER_DAYS = env.int("SUPPLY_REMINDER_DAYS", default=5)
CELERY_BEAT_SCHEDULE["supply-reminders"] = {
    "task": "treatments.tasks.supply_reminders_tick",
    "schedule": timedelta(hours=1),
}
CELERY_BEAT_SCHEDULE["missed-dose-alerts"] = {
    "task": "treatments.tasks.missed_dose_alerts_tick",
    "schedule": timedelta(minutes=5),
    "options": {"expires": 300},
}

# An export's ZIP ("Download all my data") may be downloaded this many days, then it is deleted.
EXPORT_EXPIRES_DAYS = env.int("EXPORT_EXPIRES_DAYS", default=7)

# --- Accounts and authentication ----------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "accounts.backends.IdentifierBackend",
    # Signing in with a passkey (django-otp-webauthn's views): the credential is the proof.
    "django_otp_webauthn.backends.WebAuthnBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
# Wrong second-factor codes are counted per account by accounts/two_factor/flow.py (relyfe.abuse, as for
# passwords): django-otp's own per-device delays would refuse the right code just after a typo.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# OpenID Connect sign-in for professionals, room for Pro Santé Connect (PSC, the state's login with the e-CPS card
# or app), off by default. Off: its pages answer 404, the login page shows no button and its backend is not
# listed. It only signs in an existing, verified professional account whose RPPS number the provider vouches for
# (accounts/oidc.py); it never creates an account. mozilla-django-oidc reads the OIDC_* names below.
OIDC_ENABLED = env.bool("OIDC_ENABLED", default=False)
if OIDC_ENABLED:
    AUTHENTICATION_BACKENDS.append("accounts.oidc.ProfessionalOIDCBackend")
# The words after "Log in with" on the button, and the name the strong sign-in is recorded under in the session.
OIDC_PROVIDER_LABEL = env.str("OIDC_PROVIDER_LABEL", default="Pro Santé Connect")
OIDC_OP_ISSUER = env.str("OIDC_OP_ISSUER", default="")
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env.str("OIDC_OP_USER_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_OP_JWKS_ENDPOINT", default="")
OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET", default="")
OIDC_TOKEN_USE_BASIC_AUTH = env.bool("OIDC_TOKEN_USE_BASIC_AUTH", default=False)
# ID tokens are signed by the provider's key (RS256), found at its JWKS endpoint; never an HMAC with our secret.
OIDC_RP_SIGN_ALGO = "RS256"
# PSC asks for "openid scope_all"; a standard provider for "openid profile".
OIDC_RP_SCOPES = env.str("OIDC_RP_SCOPES", default="openid scope_all")
# PSC requires acr_values=eidas1 (the level of its e-CPS sign-in); empty sends none.
OIDC_ACR_VALUES = env.str("OIDC_ACR_VALUES", default="eidas1")
OIDC_AUTH_REQUEST_EXTRA_PARAMS = {"acr_values": OIDC_ACR_VALUES} if OIDC_ACR_VALUES else {}
# The top-level claim of the user info that holds the professional's national identifier. PSC's
# preferred_username is the "identifiant national" of the professional: "8" followed by the 11-digit RPPS number
# (accounts.oidc.rpps_from_claim reads both that and a bare 11-digit RPPS number).
OIDC_RPPS_CLAIM = env.str("OIDC_RPPS_CLAIM", default="preferred_username")
OIDC_USE_NONCE = True
OIDC_USE_PKCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
OIDC_CREATE_USER = False
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:oidc_callback"
# A provider that does not answer within this many seconds fails the sign-in instead of holding a worker.
OIDC_TIMEOUT = env.int("OIDC_TIMEOUT_SECONDS", default=10)
LOGIN_REDIRECT_URL_FAILURE = "accounts:login"

# --- Passkeys and security keys (WebAuthn, django-otp-webauthn) ---------------------------------


def _webauthn_site() -> tuple[str, str]:
    """The relying party id and origin of SITE_URL. WebAuthn needs a domain, never an IP address: a site
    run at 127.0.0.1 (the development default) has its passkeys at localhost, which browsers also count as a
    secure context without HTTPS."""
    site = urlsplit(SITE_URL)
    host = site.hostname or "localhost"
    try:
        ipaddress.ip_address(host)
        host = "localhost"
    except ValueError:
        pass
    return host, f"{site.scheme}://{host}" + (f":{site.port}" if site.port else "")


_WEBAUTHN_HOST, _WEBAUTHN_ORIGIN = _webauthn_site()
# The domain every passkey is bound to (default: SITE_URL's host). Changing it later makes every passkey
# registered under the former one unusable: users would have to register theirs again.
OTP_WEBAUTHN_RP_ID = env.str("RELYFE_WEBAUTHN_RP_ID", default=_WEBAUTHN_HOST)
OTP_WEBAUTHN_RP_NAME = env.str("RELYFE_WEBAUTHN_RP_NAME", default="ReLyfe")
# The addresses a passkey ceremony may come from (default: SITE_URL's), each https:// (or http://localhost).
OTP_WEBAUTHN_ALLOWED_ORIGINS = env.list("RELYFE_WEBAUTHN_ORIGINS", default=[_WEBAUTHN_ORIGIN])
OTP_WEBAUTHN_CREDENTIAL_MODEL = "accounts.Passkey"
OTP_WEBAUTHN_ATTESTATION_MODEL = "accounts.PasskeyAttestation"
OTP_WEBAUTHN_HELPER_CLASS = "accounts.passkey_services.PasskeyHelper"

# The reverse proxies in front of the site (addresses or networks, comma-separated): behind one of them the
# client is the right-most X-Forwarded-For address that is not a proxy (relyfe.abuse.client_address).
# Default none: the socket's peer is the client, and X-Forwarded-For is ignored.
TRUSTED_PROXIES = [str(ipaddress.ip_network(proxy, strict=False)) for proxy in env.list("TRUSTED_PROXIES", default=[])]

# Failed sign-ins (web form, admin, API token, phone number): an account gets a few free failures, then each
# further one makes the next attempt wait LOGIN_FIRST_DELAY, doubling up to LOGIN_LOCKOUT. Failures from an
# address past LOGIN_FAILURES_PER_ADDRESS get no free failure at all; the right password of an account that is
# not itself locked always signs in (a hospital's network shares one address between many people).
LOGIN_FAILURES_PER_ACCOUNT = env.int("LOGIN_FAILURES_PER_ACCOUNT", default=5)
LOGIN_FAILURES_PER_ADDRESS = env.int("LOGIN_FAILURES_PER_ADDRESS", default=50)
LOGIN_FIRST_DELAY = timedelta(seconds=env.int("LOGIN_FIRST_DELAY_SECONDS", default=30))
LOGIN_LOCKOUT = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
# Wrong printer secrets per printer and per address, and wrong claim codes per address, before delays; the
# right secret or code always works (they are too long to guess).
PRINTER_FAILURES_PER_PRINTER = env.int("PRINTER_FAILURES_PER_PRINTER", default=10)
PRINTER_FAILURES_PER_ADDRESS = env.int("PRINTER_FAILURES_PER_ADDRESS", default=30)
CLAIM_FAILURES_PER_ADDRESS = env.int("CLAIM_FAILURES_PER_ADDRESS", default=10)
# Wrong Heart-Code and share-link tokens per address in 10 minutes; a valid token always opens its page.
TOKEN_GUESSES_PER_ADDRESS = env.int("TOKEN_GUESSES_PER_ADDRESS", default=30)
# Messages and work for someone, per hour: password reset e-mails per account and per address, access requests
# per patient and per address, sign-ups per address, messages to the owner of an address someone signs up with,
# share-link e-mails per sender, text messages per number.
PASSWORD_RESETS_PER_ACCOUNT = env.int("PASSWORD_RESETS_PER_ACCOUNT", default=3)
PASSWORD_RESETS_PER_ADDRESS = env.int("PASSWORD_RESETS_PER_ADDRESS", default=20)
ACCESS_REQUESTS_PER_PATIENT = env.int("ACCESS_REQUESTS_PER_PATIENT", default=10)
ACCESS_REQUESTS_PER_ADDRESS = env.int("ACCESS_REQUESTS_PER_ADDRESS", default=5)
SIGN_UPS_PER_ADDRESS = env.int("SIGN_UPS_PER_ADDRESS", default=20)
SIGN_UP_NOTICES_PER_ACCOUNT = env.int("SIGN_UP_NOTICES_PER_ACCOUNT", default=2)
SHARE_LINK_EMAILS_PER_USER = env.int("SHARE_LINK_EMAILS_PER_USER", default=20)
SMS_PER_NUMBER = env.int("SMS_PER_NUMBER", default=10)
# The region used to read phone numbers written without a country code ("06 12 34 56 78").
PHONE_DEFAULT_REGION = env.str("PHONE_DEFAULT_REGION", default="FR")
# Codes sent by text message (new password, phone confirmation): how long one works, how many wrong
# tries kill it, and how many may be sent to one number and from one client address in a window.
PHONE_CODE_LIFETIME = timedelta(minutes=env.int("PHONE_CODE_LIFETIME_MINUTES", default=10))
PHONE_CODE_MAX_ATTEMPTS = env.int("PHONE_CODE_MAX_ATTEMPTS", default=5)
PHONE_CODES_PER_NUMBER = env.int("PHONE_CODES_PER_NUMBER", default=3)
PHONE_CODES_PER_ADDRESS = env.int("PHONE_CODES_PER_ADDRESS", default=10)
PHONE_CODES_WINDOW = timedelta(minutes=env.int("PHONE_CODES_WINDOW_MINUTES", default=60))

# --- Sessions and security headers --------------------------------------------------------------

# In the database only: a session must outlive a Redis outage. The cache saved nothing: each request writes its
# session anyway (to push the expiry back), and cached_db adds a Redis write to that; measured load + save per
# request, 1.7 ms with db against 3.9 ms with cached_db on SQLite, 11 ms against 15 ms on PostgreSQL.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Sessions end after this much inactivity: each request pushes the expiry back.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = 0 if DEBUG else env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The health check is polled over plain HTTP by load balancers inside the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# No inline script, no third-party origin: every script and style is a file served by ReLyfe.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "media-src": [SELF, "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Internationalisation -----------------------------------------------------------------------

LANGUAGE_CODE = "fr"
# Each with its complete catalogue in locale/ (tests/relyfe/test_translations.py); Arabic reads right to left.
LANGUAGES = [
    ("fr", _("French")),
    ("en", _("English")),
    ("uk", _("Ukrainian")),
    ("ar", _("Arabic")),
    ("es", _("Spanish")),
    ("pt", _("Portuguese")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Paris"
USE_TZ = True

# --- Files --------------------------------------------------------------------------------------

STATIC_URL = "/static/"
# The image (Dockerfile) collects them at build time outside VAR_DIR, on its read-only file system.
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = VAR_DIR / "media"
STORAGE = env.str("STORAGE", default="local")


def s3_storage(*, bucket_name: str, region_name: str | None, endpoint_url: str | None) -> dict:
    """STORAGE=s3: private objects, read only through presigned links. A function so that the tests run this
    very configuration against a local S3 server (tests/s3.py)."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket_name,
            "region_name": region_name,
            "endpoint_url": endpoint_url,
            "default_acl": None,
            "file_overwrite": False,
            "querystring_auth": True,
            # Presigned download links live one minute at most.
            "querystring_expire": 60,
            # botocore signs links with the old Signature Version 2 in us-east-1 or without a region, which
            # S3 refuses for buckets made since 2020.
            "signature_version": "s3v4",
        },
    }


def s3_origins(*, bucket_name: str, region_name: str | None, endpoint_url: str | None) -> list[str]:
    """Where the browser fetches the files from with their presigned links: the endpoint's address (botocore
    addresses a bucket by its path there), or on AWS the bucket's host, global and regional (S3 may redirect
    a new bucket's link from the first to the second)."""
    if endpoint_url:
        parts = urlsplit(endpoint_url)
        return [f"{parts.scheme}://{parts.netloc}"]
    origins = [f"https://{bucket_name}.s3.amazonaws.com"]
    if region_name:
        origins.append(f"https://{bucket_name}.s3.{region_name}.amazonaws.com")
    return origins


def csp_with_s3(policy: dict, origins: list[str]) -> dict:
    """The pages show a stored file through a view that redirects to the store (health_records/downloads.py):
    the browser checks the redirect's target against the page's policy, which therefore lets in the store's
    address for pictures, videos and framed PDFs (and nothing else of it)."""
    directives = dict(policy["DIRECTIVES"])
    for directive in ("img-src", "media-src", "frame-src"):
        directives[directive] = [*directives[directive], *origins]
    return {**policy, "DIRECTIVES": directives}


if STORAGE == "s3":
    _s3 = {
        "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME"),
        "region_name": env.str("AWS_S3_REGION_NAME", default=None),
        "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default=None),
    }
    DEFAULT_STORAGE = s3_storage(**_s3)
    CONTENT_SECURITY_POLICY = csp_with_s3(CONTENT_SECURITY_POLICY, s3_origins(**_s3))
elif STORAGE == "local":
    # No base_url: files are never served from a public URL, only streamed by access-checked views.
    DEFAULT_STORAGE = {
        # Django's, which also removes a file it could not write to the end (a full disk).
        "BACKEND": "documents.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT), "base_url": None},
    }
else:
    raise ImproperlyConfigured(f"STORAGE must be 'local' or 's3', not {STORAGE!r}.")
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    # Django's, whose files documents.middleware.UploadsMiddleware removes at the end of every request.
    "documents.middleware.TrackedTemporaryFileUploadHandler",
]

# --- E-mail -------------------------------------------------------------------------------------

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="ReLyfe <no-reply@relyfe.test>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Text messages (SMS) ------------------------------------------------------------------------

# "console" prints messages (development), "locmem" keeps them in notifications.sms.outbox (tests),
# "sns" sends them with AWS SNS (production; boto3's usual credentials).
SMS_BACKEND = env.str("SMS_BACKEND", default="notifications.sms.backends.console.SmsBackend")
AWS_SNS_REGION = env.str("AWS_SNS_REGION", default=env.str("AWS_REGION", default="eu-west-3"))
# The name shown as the sender where the country allows alphanumeric sender IDs (up to 11 characters).
SMS_SENDER_ID = env.str("SMS_SENDER_ID", default="")
# A longer text is refused rather than billed as many messages.
SMS_MAX_SEGMENTS = env.int("SMS_MAX_SEGMENTS", default=3)

# --- API ----------------------------------------------------------------------------------------

# Each device that signs in to the API gets its own token (accounts/tokens.py). It expires after this many
# days without use; each use (at most once an hour) moves the expiry forward.
API_TOKEN_LIFETIME_DAYS = env.int("API_TOKEN_LIFETIME_DAYS", default=30)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "relyfe.openapi.AutoSchema",
    # One error shape for the whole API: {"code", "detail", "fields"} (see relyfe/api_errors.py).
    "EXCEPTION_HANDLER": "relyfe.api_errors.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ReLyfe API",
    "DESCRIPTION": "Health records, treatments and sharing for patients and their care team.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "TreatmentStatusEnum": "treatments.models.TreatmentStatus",
        "TreatmentEffectiveStatusEnum": "treatments.models.EFFECTIVE_STATUS_CHOICES",
        "DoseStatusEnum": "treatments.models.Intake.Status",
        "FaceConsentMethodEnum": "faces.models.ConsentMethod",
        "AllergyKindEnum": "treatments.models.Allergy.Kind",
        "KindEnum": "health_records.models.RecordKind",
        "RenewalRequestStatusEnum": "treatments.models.RenewalRequest.Status",
        # A prescription's and a lab report's readings go through the same statuses: one enum for both.
        "ReadingStatusEnum": "treatments.models.PrescriptionReading.Status",
    },
}

# --- Logging: never health data, only what happened -----------------------------------------------

# Secrets in URLs (share links /s/, Heart-Codes /e/, request pages /r/, password reset links, ?token=) are
# replaced by [redacted] on the loggers that write request lines (relyfe/redaction.py), before any handler
# sees them; gunicorn's access log gets the same filter from deploy/gunicorn.conf.py.
# LOG_FORMAT=json (compose.yaml) writes one JSON object a line with the request id, and a line per request
# (relyfe/logs.py); "text", the default, keeps the plain lines of before.
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be 'text' or 'json', not {LOG_FORMAT!r}.")
LOG_REQUESTS = LOG_FORMAT == "json"
# In JSON, the worker and beat log through LOGGING below instead of Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = LOG_FORMAT != "json"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact_secrets": {"()": "relyfe.redaction.RedactSecretsFilter"},
        "request_id": {"()": "relyfe.logs.RequestIdFilter"},
    },
    "formatters": {
        # Django's own, restated: configuring the django.server logger replaces its handler.
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
        "json": {"()": "relyfe.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["request_id"]}
        | ({"formatter": "json"} if LOG_FORMAT == "json" else {}),
        "django.server": {
            "level": "INFO",
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "django.server",
            "filters": ["request_id"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # At DEBUG, urllib3 would log the URLs it calls, push endpoints included.
        "urllib3": {"level": "WARNING"},
        # pikepdf announces its logging bridge at INFO on first use.
        "pikepdf": {"level": "WARNING"},
        # runserver's request lines.
        "django.server": {
            "handlers": ["django.server"],
            "level": "INFO",
            "propagate": False,
            "filters": ["redact_secrets"],
        },
        # "Not Found: /e/…", "Forbidden (CSRF token missing.): /s/…".
        "django.request": {"filters": ["redact_secrets"]},
        "django.security.csrf": {"filters": ["redact_secrets"]},
        "django.security.DisallowedHost": {"filters": ["redact_secrets"]},
    },
}

# --- Prometheus metrics (relyfe/metrics.py) ------------------------------------------------------

# Off by default: /metrics answers 404. On, it answers only a request with `Authorization: Bearer
# <METRICS_TOKEN>` or from one of METRICS_ALLOWED_NETWORKS (the client's address as relyfe.abuse reads it,
# TRUSTED_PROXIES considered), 404 to anyone else: django-prometheus's request counters and latencies, and
# the Celery queue's length, its oldest task's age and the reminders late.
METRICS_ENABLED = env.bool("METRICS_ENABLED", default=False)
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_NETWORKS = [
    str(ipaddress.ip_network(network, strict=False)) for network in env.list("METRICS_ALLOWED_NETWORKS", default=[])
]
# A reminder still to send this many minutes after its time counts as late.
METRICS_REMINDER_LATE_MINUTES = env.int("METRICS_REMINDER_LATE_MINUTES", default=5)
if METRICS_ENABLED:
    if not METRICS_TOKEN and not METRICS_ALLOWED_NETWORKS:
        raise ImproperlyConfigured("METRICS_ENABLED needs METRICS_TOKEN or METRICS_ALLOWED_NETWORKS.")
    INSTALLED_APPS.append("django_prometheus")
    MIDDLEWARE = [
        "django_prometheus.middleware.PrometheusBeforeMiddleware",
        *MIDDLEWARE,
        "django_prometheus.middleware.PrometheusAfterMiddleware",
    ]

# --- Health records -----------------------------------------------------------------------------

UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_MB", default=20) * 1024 * 1024
UPLOAD_MAX_PIXELS = env.int("UPLOAD_MAX_PIXELS", default=40_000_000)
UPLOAD_MAX_PDF_PAGES = env.int("UPLOAD_MAX_PDF_PAGES", default=100)
# A PDF's compressed streams may inflate to this much in all; past it the file is a bomb, refused.
UPLOAD_MAX_INFLATED_BYTES = env.int("UPLOAD_MAX_INFLATED_MB", default=256) * 1024 * 1024
# Each check of an uploaded file runs in a child process with these limits (documents/isolation.py).
UPLOAD_CHECK_CPU_SECONDS = env.int("UPLOAD_CHECK_CPU_SECONDS", default=30)
UPLOAD_CHECK_MEMORY_BYTES = env.int("UPLOAD_CHECK_MEMORY_MB", default=1536) * 1024 * 1024
UPLOAD_CHECK_WALL_SECONDS = env.int("UPLOAD_CHECK_WALL_SECONDS", default=30)
# All the checks of one request (20 files): within gunicorn's timeout, so that no request gets its worker killed.
UPLOAD_CHECK_REQUEST_SECONDS = env.int("UPLOAD_CHECK_REQUEST_SECONDS", default=45)
UPLOAD_MAX_FILES = 20
# How long a file kept from a form sent back with an error waits to be sent again.
STAGED_UPLOAD_LIFETIME = timedelta(hours=24)
TIMELINE_PAGE_SIZE = 25
ACCESS_LOG_PAGE_SIZE = 50
# How long the access log keeps an event: the legal retention of the traces of access to health data (then
# beat deletes it). An erased patient's events are kept as long, pseudonymised.
ACCESS_LOG_RETENTION_DAYS = env.int("ACCESS_LOG_RETENTION_DAYS", default=365)

# --- Account deletion ---------------------------------------------------------------------------------

# A patient who deletes their account can cancel for this many days; they are reminded this many days before.
ACCOUNT_ERASURE_GRACE_DAYS = env.int("ACCOUNT_ERASURE_GRACE_DAYS", default=30)
ACCOUNT_ERASURE_REMINDER_DAYS = env.int("ACCOUNT_ERASURE_REMINDER_DAYS", default=7)

# --- Reading prescriptions ----------------------------------------------------------------------

# "local" reads scans and photos on this machine (RapidOCR, its models ship in the package);
# "textract" sends them to AWS Textract.
OCR_ENGINE = env.str("OCR_ENGINE", default="local")
AWS_TEXTRACT_REGION = env.str("AWS_TEXTRACT_REGION", default="eu-west-3")

# --- Face identification ------------------------------------------------------------------------

# "local" runs dlib's face detector and 128-d embedding on this machine (the models ship in the
# face-recognition-models package) and keeps the embeddings in the database; "rekognition" uses an AWS
# Rekognition collection, one per environment, created when missing.
FACES_BACKEND = env.str("FACES_BACKEND", default="local")
# Similarity 0-100 from which a face is a "possible match" (faces/bands.py), and from which it is a
# "strong match". Both engines speak this scale: Rekognition's own similarity (FaceMatchThreshold is the
# first setting), and the local model's embedding distance through a curve calibrated on labelled pairs
# (faces/engine/local.py). Neither band opens a file: the professional confirms the patient's second
# factor first. Local model, measured by bench/faces.py on ../shared/data/faces (18 faces of 7 people):
#   90 = distance 0.50: labelled 0/129 false matches, 1/24 false non-matches; augmented 0/8,120 false
#        matches, 72/1,536 false non-matches. The nearest two people ever measured were 0.571 apart
#        (unseen photos, where the former default, 99 at 0.60, made 2 false matches in 280 pairs).
#   99 = distance 0.40: labelled 0/129 and 8/24; augmented 0/8,120 and 559/1,536 (the rest are possible).
# Rekognition: 90 keeps far from AWS's default of 80 for a possible match; 99 is AWS's advice where a
# false match is costly.
FACES_MATCH_THRESHOLD = env.float("FACES_MATCH_THRESHOLD", default=90.0)
FACES_STRONG_MATCH_THRESHOLD = env.float("FACES_STRONG_MATCH_THRESHOLD", default=99.0)
# Two patients whose similarities to the photo are closer than this are "ambiguous": neither is picked
# (two patients in the same band always are). On the local curve 3 points near the possible band are
# about 0.04 of distance, less than two photos of one person vary (0.3 to 0.5 apart here).
FACES_AMBIGUITY_MARGIN = env.float("FACES_AMBIGUITY_MARGIN", default=3.0)
# Wrong second factors a professional may give for one search candidate before it is locked.
FACES_CONFIRMATION_ATTEMPTS = env.int("FACES_CONFIRMATION_ATTEMPTS", default=3)
# What finds the faces to blur in a clinical photo: a function of the photo's bytes returning the faces'
# boxes (faces/detection.py, with the engine FACES_BACKEND chooses).
PHOTO_FACE_DETECTOR = env.str("PHOTO_FACE_DETECTOR", default="faces.detection.face_boxes")
FACES_REKOGNITION_COLLECTION = env.str("FACES_REKOGNITION_COLLECTION", default="relyfe-development")
AWS_REKOGNITION_REGION = env.str("AWS_REKOGNITION_REGION", default="eu-west-3")
FACES_MAX_UPLOAD_BYTES = env.int("FACES_MAX_UPLOAD_MB", default=10) * 1024 * 1024
FACES_MIN_FACE_PIXELS = env.int("FACES_MIN_FACE_PIXELS", default=60)

# --- Web Push (reminders on phones and desktops) ------------------------------------------------

# VAPID keys identify ReLyfe to browsers' push services. Without them, a development machine makes its
# own pair under VAR_DIR; production sets them (and push stays off until it does).
VAPID_PUBLIC_KEY = env.str("VAPID_PUBLIC_KEY", default="")
VAPID_PRIVATE_KEY = env.str("VAPID_PRIVATE_KEY", default="")
VAPID_SUBJECT = env.str("VAPID_SUBJECT", default="mailto:no-reply@relyfe.test")

# --- Import of a FHIR Bundle (portability) ------------------------------------------------------

# The uploaded Bundle (JSON, or the export's ZIP) and what a ZIP may unpack to: past these it is refused.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_MB", default=50) * 1024 * 1024
IMPORT_MAX_ENTRIES = env.int("IMPORT_MAX_ENTRIES", default=5000)
IMPORT_MAX_ZIP_MEMBERS = env.int("IMPORT_MAX_ZIP_MEMBERS", default=2000)
IMPORT_MAX_UNCOMPRESSED_BYTES = env.int("IMPORT_MAX_UNCOMPRESSED_MB", default=500) * 1024 * 1024
# A ZIP that unpacks to more than this many times its size is a bomb (an export's PDFs barely compress).
IMPORT_MAX_ZIP_RATIO = env.int("IMPORT_MAX_ZIP_RATIO", default=100)
