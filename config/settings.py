"""kvartirabar settings: one module, every behaviour from the environment.

Values come from the process environment or a `.env` file beside manage.py
(see `.env.example`). Nothing secret is committed: in production (DEBUG off)
the secrets must be set, and Click credentials left as placeholders stop
start-up with a message naming the setting to fix.
"""

from pathlib import Path

from config import checks
from config.environment import Env

BASE_DIR = Path(__file__).resolve().parent.parent
# Values are read as written, "$" and all (config.environment).
env = Env()
Env.read_env(BASE_DIR / ".env", overwrite=False)
DEBUG = env.bool("DEBUG", default=False)

# Click credentials: set them in the environment or .env. The operator's
# checklist (step 3) points at lines 22-23 of this file: keep them here.
CLICK_SERVICE_ID = env.str("CLICK_SERVICE_ID", default="10001" if DEBUG else "")
CLICK_SECRET_KEY = env.str("CLICK_SECRET_KEY", default="sandbox-secret" if DEBUG else "")
CLICK_MERCHANT_ID = env.str("CLICK_MERCHANT_ID", default="20001" if DEBUG else "")
CLICK_MERCHANT_USER_ID = env.str("CLICK_MERCHANT_USER_ID", default="30001" if DEBUG else "")
# The fee a seller pays to open an auction, in soums.
AUCTION_FEE = checks.auction_fee_parse(env.str("AUCTION_FEE", default="50000.00"))

# The built-in Click sandbox replaces my.click.uz with a local pay page.
# It may only run with DEBUG off when CLICK_SANDBOX_FORCE is also set.
CLICK_SANDBOX = env.bool("CLICK_SANDBOX", default=DEBUG)
CLICK_SANDBOX_FORCE = env.bool("CLICK_SANDBOX_FORCE", default=False)
CLICK_PAY_URL = env.str("CLICK_PAY_URL", default="https://my.click.uz/services/pay")
# The callback paths registered in the Click cabinet (checklist step 2).
CLICK_PREPARE_PATH = "/api/auctions/click/prepare/"
CLICK_COMPLETE_PATH = "/api/auctions/click/complete/"

# Payme (Merchant API): the cashbox id and key from the Payme merchant cabinet. Payme is
# offered to sellers when PAYME_MERCHANT_ID is set. PAYME_TEST_MODE sends payers to Payme's
# test checkout (test.paycom.uz) and accepts PAYME_TEST_KEY instead of PAYME_KEY.
PAYME_MERCHANT_ID = env.str("PAYME_MERCHANT_ID", default="000000000000000000000000" if DEBUG else "")
PAYME_KEY = env.str("PAYME_KEY", default="sandbox-payme-key" if DEBUG else "")
PAYME_TEST_KEY = env.str("PAYME_TEST_KEY", default="")
PAYME_TEST_MODE = env.bool("PAYME_TEST_MODE", default=False)
# The built-in sandbox's Payme pay page replaces checkout.paycom.uz (like CLICK_SANDBOX).
PAYME_SANDBOX = env.bool("PAYME_SANDBOX", default=CLICK_SANDBOX)
PAYME_CHECKOUT_URL = env.str(
    "PAYME_CHECKOUT_URL", default="https://test.paycom.uz/" if PAYME_TEST_MODE else "https://checkout.paycom.uz/"
)
# Days the Payme call log (paymeuz.PaymeCall) is kept; pruned by the payme-jobs task. 0 keeps it forever.
PAYME_CALL_LOG_RETENTION_DAYS = env.int("PAYME_CALL_LOG_RETENTION_DAYS", default=90)
# The endpoint path registered as the cashbox's Endpoint URL.
PAYME_ENDPOINT_PATH = "/api/auctions/payme/"

# --- Click in production -----------------------------------------------------
# Click's Merchant API (payment status, reversal, invoices). Empty turns it off
# (the default with the sandbox): reconciliation and refunds then wait, and
# say so in click_doctor and the admin.
CLICK_MERCHANT_API_URL = env.str(
    "CLICK_MERCHANT_API_URL", default="" if CLICK_SANDBOX else "https://api.click.uz/v2/merchant/"
)
CLICK_MERCHANT_API_TIMEOUT = env.float("CLICK_MERCHANT_API_TIMEOUT", default=10.0)
# Extra tries after a failed call (never for a request Click may already have acted on).
CLICK_MERCHANT_API_RETRIES = env.int("CLICK_MERCHANT_API_RETRIES", default=2)
CLICK_MERCHANT_API_BACKOFF = env.float("CLICK_MERCHANT_API_BACKOFF", default=0.5)  # seconds × attempt
# A Click attempt prepared but not completed for this long is settled from Click's records.
CLICK_RECONCILE_AFTER_SECONDS = env.int("CLICK_RECONCILE_AFTER_SECONDS", default=15 * 60)
# An initiated fee nobody started paying expires; the seller then initiates a new one.
CLICK_PAYMENT_EXPIRES_AFTER_SECONDS = env.int("CLICK_PAYMENT_EXPIRES_AFTER_SECONDS", default=24 * 3600)
# Automatic reversal tries before a refund is left to an operator (it stays flagged).
CLICK_REFUND_MAX_ATTEMPTS = env.int("CLICK_REFUND_MAX_ATTEMPTS", default=3)
# A refund left `sending` this long died mid-call (a killed worker): its outcome is asked about.
FEE_REFUND_SENDING_STALE_SECONDS = env.int("FEE_REFUND_SENDING_STALE_SECONDS", default=300)
# After a reversal with no definite answer, "the payer is still charged" only counts this long
# after it was sent (Click may still be applying it); then it may be sent again.
FEE_REFUND_RECHECK_AFTER_SECONDS = env.int("FEE_REFUND_RECHECK_AFTER_SECONDS", default=600)
# An order being paid through one gateway cannot be paid through another meanwhile: a fresh
# attempt (Click's Prepare) keeps the other gateways away this long unless it completes first.
FEE_ATTEMPT_IN_FLIGHT_SECONDS = env.int("FEE_ATTEMPT_IN_FLIGHT_SECONDS", default=600)
# Seconds between runs of the Click jobs (Celery beat).
CLICK_JOBS_INTERVAL = env.int("CLICK_JOBS_INTERVAL", default=60)
# Days the raw Click callback log (clickuz.ClickCallback) is kept; pruned daily. 0 keeps it forever.
CLICK_CALLBACK_LOG_RETENTION_DAYS = env.int("CLICK_CALLBACK_LOG_RETENTION_DAYS", default=90)
# The public address of the site (the callback URLs registered at Click start with it).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000" if DEBUG else "")
# Logs: "json" (one object per line, for log collectors) or "plain".
LOG_FORMAT = checks.log_format_check(env.str("LOG_FORMAT", default="plain" if DEBUG else "json"))

SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key" if DEBUG else "")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

checks.validate_production_settings(
    debug=DEBUG,
    secret_key=SECRET_KEY,
    allowed_hosts=ALLOWED_HOSTS,
    click={
        "CLICK_SERVICE_ID": CLICK_SERVICE_ID,
        "CLICK_MERCHANT_ID": CLICK_MERCHANT_ID,
        "CLICK_MERCHANT_USER_ID": CLICK_MERCHANT_USER_ID,
        "CLICK_SECRET_KEY": CLICK_SECRET_KEY,
    },
    sandbox=CLICK_SANDBOX,
    sandbox_forced=CLICK_SANDBOX_FORCE,
    payme={
        "merchant_id": PAYME_MERCHANT_ID,
        "key": PAYME_KEY,
        "test_key": PAYME_TEST_KEY,
        "test_mode": PAYME_TEST_MODE,
        "sandbox": PAYME_SANDBOX,
    },
)

INSTALLED_APPS = [
    # daphne first: `runserver` then serves ASGI, WebSockets included.
    "daphne",
    "config.admin_site.KvartirabarAdminConfig",  # Django's admin; config/admin_site.py
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "core",
    "accounts",
    "listings",
    "auctions",
    "fees",
    "fees_click",
    "fees_payme",
    "dashboard",
    "clickuz",
    "paymeuz",
    "notifications",
    "channels",
    # Sign-in lockout: failed password and SMS-code sign-ins per number and address.
    "axes",
    # The public REST API (/api/v1/), its OpenAPI schema and local docs page.
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
]

MIDDLEWARE = [
    # Outermost: a request that failed because the database is down answers 503 + Retry-After, not 500.
    "core.errors.DatabaseUnavailableMiddleware",
    # REMOTE_ADDR = the visitor's address when a trusted proxy (TRUSTED_PROXIES) forwarded the request.
    "core.clientip.RealClientAddressMiddleware",
    # /healthz for load balancers, before host validation and the HTTPS redirect (Click in production).
    "core.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # django-csp's, with the header built once (the same for every page that does not change it).
    "core.csp.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.SiteLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    # Django's, with the message storage made only when a request uses it.
    "core.middleware.MessageMiddleware",
    # DEBUG on: the site's own 404 and 500 pages, as in production (DEBUG_ERROR_PAGES below).
    "core.debug_pages.SiteErrorPagesInDebugMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a locked-out sign-in into the lockout page (HTTP 429).
    "axes.middleware.AxesMiddleware",
]

# With DEBUG on: "site" shows the site's own 404 and 500 pages (the 500 page adds the traceback; add
# ?_debug to an address for Django's page once), "technical" shows Django's debug pages throughout.
DEBUG_ERROR_PAGES = checks.debug_error_pages_parse(env.str("DEBUG_ERROR_PAGES", default="site"))

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME", default="test_kvartirabar")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {}
    # The embedded default must serialise concurrent writers the way PostgreSQL's row locks do,
    # never answer Click -7 ("database is locked"). A plain (DEFERRED) transaction starts as a
    # reader; when it then writes after another writer, SQLite fails it at once, whatever the
    # timeout (its snapshot is stale: waiting cannot help). BEGIN IMMEDIATE takes the write lock
    # first, so the second writer waits (up to `timeout` s), then sees the first one's commit.
    # WAL lets readers go on meanwhile; synchronous=NORMAL is safe with WAL (a power cut may
    # lose the last commits, a crashed process loses none) and spares an fsync per commit.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        transaction_mode="IMMEDIATE",
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        timeout=20,
    )
# Keep database connections open across requests (saves the connect and authentication on
# each one), health-checked when a request first uses one, so a connection broken by a PostgreSQL
# restart is replaced instead of failing the request. Only where
# a thread serves request after request: WSGI servers (gunicorn sync/gthread workers on
# config.wsgi), Celery workers, `auction_jobs --loop`. Under ASGI (config.asgi: gunicorn's
# uvicorn workers in deploy/, daphne, `runserver`) each request runs on a thread of its own, so
# a kept connection is never reused and one stays open per request until PostgreSQL refuses
# clients (docs/benchmarks.md); Django says to disable them there. Hence 0 by default under
# ASGI. Either way, processes × threads must stay below PostgreSQL's max_connections.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend with a health check that polls the socket instead of a round trip
    # (core/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "core.postgresql"
    # No parallel workers for a query of ours: a page's query runs on a web worker's connection
    # beside other requests, and starting PostgreSQL's parallel workers cost more than they saved
    # (1 000 000 listings, "ending within 24 h": 19.6 ms with 2 workers, 6.5 ms without).
    # DATABASE_PARALLEL_WORKERS raises it for a machine with cores to spare.
    _parallel = f"-c max_parallel_workers_per_gather={env.int('DATABASE_PARALLEL_WORKERS', default=0)}"
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} {_parallel}".strip()
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0 if checks.served_by_asgi() else 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "core.cache.ClientKeepingRedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out number+address before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    # Then: refuses a number over its own budget, whatever the address (accounts.lockout).
    "accounts.lockout.NumberLockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if DEBUG and env.bool("FAST_PASSWORD_HASHER", default=False):
    # Test suites only: hashing a password with PBKDF2 costs ~0.3 s per user.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard:dashboard"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", "Русский"), ("uz", "O‘zbekcha"), ("en", "English")]
# locale/: the site's own catalogue, first so it wins (makemessages writes to LOCALE_PATHS[0]).
# locale_upstream/: Uzbek for Django's and installed apps' strings their uz catalogues leave
# empty, which fell back to Russian (LANGUAGE_CODE); edited by hand, makemessages leaves it alone.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_upstream"]
TIME_ZONE = "Asia/Tashkent"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Uploads above this go to a temporary file instead of memory (ten 5 MB photos would be 50 MB of RAM).
FILE_UPLOAD_MAX_MEMORY_SIZE = 512 * 1024

# --- Background work and live updates ----------------------------------------
# Celery on Redis in production; without a broker tasks run eagerly in the
# process that enqueues them (embedded default), and `auction_jobs --loop`
# drives the periodic work.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = False
# Without a broker (eager), send notifications from a background thread of the web process instead
# of inside the request that caused them (tests set 0 to read the outbox right after the request).
NOTIFY_IN_BACKGROUND = env.bool("NOTIFY_IN_BACKGROUND", default=True)
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Periodic tasks run by `celery -A config beat`; each entry is idempotent.
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # Records starts, ends, winners and "ending soon" that the exact-end tasks missed.
    "auctions-sweep": {
        "task": "auctions.tasks.auctions_sweep",
        "schedule": env.int("AUCTION_SWEEP_SECONDS", default=30),
    },
}
# The fee: expiry, cancelled auctions' fees, refunds (fees/tasks.py, fees/refunds.py); Click in
# production: reconciliation and invoices (fees_click/tasks.py).
CELERY_IMPORTS = ["fees.tasks", "fees.refunds", "fees_click.tasks", "fees_payme.tasks"]
CELERY_BEAT_SCHEDULE["fee-jobs"] = {"task": "fees.tasks.fee_jobs", "schedule": CLICK_JOBS_INTERVAL}
CELERY_BEAT_SCHEDULE["click-jobs"] = {"task": "fees_click.tasks.click_jobs", "schedule": CLICK_JOBS_INTERVAL}
# Payme: transactions past their 12 hours cancelled (reason 4), the call log pruned (fees_payme/tasks.py).
CELERY_BEAT_SCHEDULE["payme-jobs"] = {"task": "fees_payme.tasks.payme_jobs", "schedule": CLICK_JOBS_INTERVAL}
# The callback log's retention (clickuz/tasks.py, found by autodiscovery): once a day.
CELERY_BEAT_SCHEDULE["click-callbacks-prune"] = {"task": "clickuz.tasks.click_callbacks_prune", "schedule": 24 * 3600}
# Photos kept after a refused listing form and never used (listings/tasks.py): once an hour.
CELERY_BEAT_SCHEDULE["photo-drafts-purge"] = {"task": "listings.tasks.photo_drafts_purge", "schedule": 3600}
# Page views counted in Redis, added to the listings (listings/view_counts.py): every minute.
VIEW_COUNTS_FLUSH_SECONDS = env.int("VIEW_COUNTS_FLUSH_SECONDS", default=60)
CELERY_BEAT_SCHEDULE["view-counts-flush"] = {
    "task": "listings.tasks.view_counts_flush",
    "schedule": VIEW_COUNTS_FLUSH_SECONDS,
}

if REDIS_URL:
    # socket_timeout None: redis-py 8 defaults to 5 s, which cuts the channel layer's blocking 5 s
    # BZPOPMIN (channels_redis#422) and closes WebSockets with 1011 (seen by bench/fanout.py under load).
    # core.channel_layer: channels_redis with a pool that waits for a free connection instead of
    # raising "Too many connections" (redis-py's default pool, 100): 1 000 watchers closing at once
    # used to fail most of their group_discard calls and stay in the auction's group. At most
    # CHANNEL_LAYER_MAX_CONNECTIONS connections per worker; a call waits up to
    # CHANNEL_LAYER_POOL_TIMEOUT seconds for one.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "core.channel_layer.RedisChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_timeout": None,
                        "max_connections": env.int("CHANNEL_LAYER_MAX_CONNECTIONS", default=50),
                        "timeout": env.float("CHANNEL_LAYER_POOL_TIMEOUT", default=30.0),
                    }
                ]
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Notifications: e-mail, SMS, Telegram -----------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="kvartirabar <noreply@kvartirabar.uz>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# core.sms: ConsoleSmsBackend (development), LocmemSmsBackend (tests), EskizSmsBackend (production).
SMS_BACKEND = env.str("SMS_BACKEND", default="core.sms.ConsoleSmsBackend" if DEBUG else "core.sms.EskizSmsBackend")
ESKIZ_BASE_URL = env.str("ESKIZ_BASE_URL", default="https://notify.eskiz.uz/api")
ESKIZ_EMAIL = env.str("ESKIZ_EMAIL", default="")
ESKIZ_PASSWORD = env.str("ESKIZ_PASSWORD", default="")
ESKIZ_FROM = env.str("ESKIZ_FROM", default="4546")
ESKIZ_TIMEOUT = env.float("ESKIZ_TIMEOUT", default=10.0)
ESKIZ_TOKEN_TTL = env.int("ESKIZ_TOKEN_TTL", default=20 * 24 * 3600)  # Eskiz tokens live 30 days
checks.messaging_settings_check(
    debug=DEBUG,
    sms_backend=SMS_BACKEND,
    eskiz_email=ESKIZ_EMAIL,
    eskiz_password=ESKIZ_PASSWORD,
    site_url=SITE_URL,
)
TELEGRAM_BOT_TOKEN = env.str("TELEGRAM_BOT_TOKEN", default="")
# The Bot API base (a local fake in tests); the bot's @username for the "link Telegram" deep link.
TELEGRAM_API_URL = env.str("TELEGRAM_API_URL", default="https://api.telegram.org")
TELEGRAM_BOT_USERNAME = env.str("TELEGRAM_BOT_USERNAME", default="")
TELEGRAM_TIMEOUT = env.float("TELEGRAM_TIMEOUT", default=10.0)

# --- Listings ----------------------------------------------------------------
# New and edited listings go straight to "published" when on (development default,
# so the checklist flow runs end to end); otherwise they wait in the admin queue.
LISTINGS_AUTO_APPROVE = env.bool("LISTINGS_AUTO_APPROVE", default=DEBUG)
# Soums per US dollar, used to compare and sort prices given in either currency.
USD_UZS_RATE = env.str("USD_UZS_RATE", default="12800")  # a decimal string
# Phone sign-in by SMS code.
PHONE_CODE_TTL = env.int("PHONE_CODE_TTL", default=300)
PHONE_CODE_MAX_ATTEMPTS = env.int("PHONE_CODE_MAX_ATTEMPTS", default=5)
PHONE_CODE_RESEND_SECONDS = env.int("PHONE_CODE_RESEND_SECONDS", default=60)
PHONE_CODE_PER_NUMBER_HOURLY = env.int("PHONE_CODE_PER_NUMBER_HOURLY", default=5)
PHONE_CODE_PER_IP_HOURLY = env.int("PHONE_CODE_PER_IP_HOURLY", default=20)
# Uploads (listings.services): per seller and hour, and how many pixels one request may decode
# (after JPEG's reduced-scale decoding), which bounds a request's time and memory. 0 turns a limit off.
LISTINGS_PER_USER_HOURLY = env.int("LISTINGS_PER_USER_HOURLY", default=10)
PHOTOS_PER_USER_HOURLY = env.int("PHOTOS_PER_USER_HOURLY", default=60)
PHOTO_REQUEST_PIXEL_BUDGET = env.int("PHOTO_REQUEST_PIXEL_BUDGET", default=32_000_000)
# Photos are decoded by one request at a time per process; a request waits at most this long.
PHOTO_PROCESSING_WAIT_SECONDS = env.float("PHOTO_PROCESSING_WAIT_SECONDS", default=1.0)
# Photos kept after a refused listing form (listings.models.ListingPhotoDraft) are removed after this long.
PHOTO_DRAFT_HOURS = env.int("PHOTO_DRAFT_HOURS", default=24)

# Maps (static/js/map.js, Leaflet vendored in static/vendor/leaflet): the tile server's URL template
# and its attribution. Empty: no tiles are fetched (tests, an offline machine); the map still picks
# and shows points, and the latitude/longitude fields stay the text fallback.
MAP_TILE_URL = env.str("MAP_TILE_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = env.str(
    "MAP_TILE_ATTRIBUTION", default='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
)

# --- Auctions ----------------------------------------------------------------
# Seconds between runs of the in-process job that records time-driven changes.
AUCTION_JOBS_INTERVAL = env.int("AUCTION_JOBS_INTERVAL", default=5)
# Soft close: a bid that changes the price or leader in the last N minutes moves the end to now + N.
AUCTION_SOFT_CLOSE_MINUTES = env.int("AUCTION_SOFT_CLOSE_MINUTES", default=5)
# "Ending soon" notifications go out this many minutes before the end.
AUCTION_ENDING_SOON_MINUTES = env.int("AUCTION_ENDING_SOON_MINUTES", default=60)
# The bid form asks again when a bid exceeds the minimum this many times over (typo guard).
AUCTION_TYPO_GUARD_FACTOR = env.int("AUCTION_TYPO_GUARD_FACTOR", default=2)

# --- REST API (api/) ------------------------------------------------------------
# Rates per client: anonymous by address, signed-in by user; bids (and buy-now),
# fee payment initiation and token requests have stricter scopes of their own.
# The client address is REMOTE_ADDR (NUM_PROXIES=0): the proxy set-up makes it the real one.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: a request without credentials gets 401 with "WWW-Authenticate: Token".
        "api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.AnonThrottle", "api.throttling.UserThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="120/min"),
        "user": env.str("API_THROTTLE_USER", default="600/min"),
        "bids": env.str("API_THROTTLE_BIDS", default="30/min"),
        "payments": env.str("API_THROTTLE_PAYMENTS", default="10/min"),
        "token": env.str("API_THROTTLE_TOKEN", default="10/min"),
    },
    "NUM_PROXIES": 0,
    "EXCEPTION_HANDLER": "api.exceptions.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pagination",
    "PAGE_SIZE": 24,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "kvartirabar API",
    "DESCRIPTION": "Listings, auctions, bids and the auction fee payment of kvartirabar.uz.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "api.schema.add_common_errors"],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # api.converters.IdConverter: ids of 1-18 digits.
    "PATH_CONVERTER_OVERRIDES": {"id": {"type": "integer", "minimum": 1, "maximum": 10**18 - 1}},
    "ENUM_NAME_OVERRIDES": {
        "AuctionStatusEnum": "auctions.models.AuctionStatus",
        "ListingStatusEnum": "listings.models.ListingStatus",
        "PaymentStatusEnum": "fees.models.PaymentStatus",
    },
}

# --- Security (production values whenever DEBUG is off) ---------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Django's database sessions, refusing keys Django could not have made (core/sessions.py).
SESSION_ENGINE = "core.sessions"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Click's callbacks must not be redirected: they are answered on any scheme.
SECURE_REDIRECT_EXEMPT = [r"^api/auctions/click/", r"^api/auctions/payme", r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# A form that fails the CSRF check gets the site's page (templates/403_csrf.html), its reason only with DEBUG on.
CSRF_FAILURE_VIEW = "core.forbidden.csrf_failure"
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# The proxies whose X-Forwarded-For is believed (addresses or networks): nginx on
# this machine by default; add the load balancer's network when there is one.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=["127.0.0.1", "::1"])

# Content Security Policy (django-csp): scripts only from our own static files
# (no inline <script> or on*= handlers in templates), WebSockets to this site.
# Inline style attributes stay allowed (photo backgrounds are set per element).
CSP_WEBSOCKET_ORIGINS = [
    f"{scheme}://{host.lstrip('.')}{':*' if DEBUG else ''}"
    for host in ALLOWED_HOSTS
    if host not in ("*", "") and not host.startswith("*")
    for scheme in (("ws", "wss") if DEBUG else ("wss",))
]


def _map_tile_origins(url: str) -> list[str]:
    """The tile server's origin for img-src ("{s}.tile.example" -> "*.tile.example"); none when no tiles."""
    import re  # here: lines 22-23 are the checklist's Click settings (tests/test_settings.py)
    from urllib.parse import urlsplit

    parsed = urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        return []
    host = re.sub(r"\{[a-z]+\}", "*", parsed.netloc)
    return [f"{parsed.scheme}://{host}"]


SELF, NONE, UNSAFE_INLINE = "'self'", "'none'", "'unsafe-inline'"  # as csp.constants spells them
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:", *_map_tile_origins(MAP_TILE_URL)],
        "font-src": [SELF],
        "connect-src": [SELF, *CSP_WEBSOCKET_ORIGINS],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

# Sign-in lockout (django-axes): AXES_FAILURE_LIMIT failed sign-ins (password or
# SMS code) for one number from one address lock that pair for AXES_COOLOFF_MINUTES.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.int("AXES_COOLOFF_MINUTES", default=15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Failed sign-ins for one number from all addresses together (IPv6 counts by /64) before password
# sign-in for it waits out AXES_COOLOFF_MINUTES (accounts.lockout); 0 turns it off.
SIGNIN_NUMBER_FAILURE_LIMIT = env.int("SIGNIN_NUMBER_FAILURE_LIMIT", default=20)
AXES_USERNAME_FORM_FIELD = "username"  # the sign-in form's field (normalised to E.164), not User.USERNAME_FIELD
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "core.clientip.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.views.lockout_response"
AXES_VERBOSE = False

# Rate limits on the site's bid and payment forms (core.ratelimit), "COUNT/SECONDS"
# per signed-in user and per client address; "0" turns one off.
RATE_LIMITS = {
    "bid": {
        "user": env.str("RATE_LIMIT_BID_USER", default="30/60"),
        "ip": env.str("RATE_LIMIT_BID_IP", default="300/60"),
    },
    "payment_initiate": {
        "user": env.str("RATE_LIMIT_PAYMENT_USER", default="10/600"),
        "ip": env.str("RATE_LIMIT_PAYMENT_IP", default="30/600"),
    },
    # The sign-up form says whether a number is registered: as many lookups per address as
    # the SMS flow sends codes (PHONE_CODE_PER_IP_HOURLY).
    "signup": {"ip": env.str("RATE_LIMIT_SIGNUP_IP", default=f"{PHONE_CODE_PER_IP_HOURLY}/3600")},
    # The profile's password form checks the current password: as few tries as a sign-in gets.
    "password_change": {
        "user": env.str("RATE_LIMIT_PASSWORD_USER", default="10/3600"),
        "ip": env.str("RATE_LIMIT_PASSWORD_IP", default="30/3600"),
    },
}

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FILE = env.str("DJANGO_LOG_FILE", default="")
if LOG_FILE:
    checks.log_file_check(LOG_FILE)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "core.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT},
        **(
            {"file": {"class": "logging.handlers.WatchedFileHandler", "filename": LOG_FILE, "formatter": LOG_FORMAT}}
            if LOG_FILE
            else {}
        ),
    },
    "root": {"handlers": ["console", *(["file"] if LOG_FILE else [])], "level": LOG_LEVEL},
    # One line per Click callback comes from clickuz.callbacks; the HTTP client's own lines are noise.
    "loggers": {"httpx": {"level": "WARNING"}, "httpcore": {"level": "WARNING"}},
}
