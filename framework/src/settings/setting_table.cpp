// The one place every built-in setting is declared: name, type, default and one line of documentation.
// Names and defaults follow Scrapy's default_settings.py wherever Scrapy has the setting; where we
// differ, the doc line says so. Only settings that some component reads are declared: a setting
// accepted but ignored would mislead its user (add one here with the code that reads it).
// docs/settings.md is generated from this table (`orbweaver settings > docs/settings.md`) and a
// unit test checks it is up to date.
#include "settings/setting_help.hpp"

#include <array>

namespace orbweaver {
namespace {

using enum setting_type;

constexpr std::array table{
    // Identity
    setting_decl{"BOT_NAME", string, "orbweaver", "Name of the bot this project implements (Scrapy's project name)."},
    setting_decl{"USER_AGENT", string, "orbweaver/0.1 (+https://github.com/orbweaver)", "User-Agent header sent with every request that does not set its own."},
    setting_decl{"USER_AGENT_LIST", string, "", "Not in Scrapy: user agents to rotate through (round-robin) instead of USER_AGENT, as a JSON array of strings since agents contain commas: -s 'USER_AGENT_LIST=[\"agent one\", \"agent two\"]'."},
    setting_decl{"HTTP_USER", string, "", "User name for HTTP basic authentication (Scrapy's spider attribute http_user); with HTTP_PASS, sent only to HTTP_AUTH_DOMAIN."},
    setting_decl{"HTTP_PASS", string, "", "Password for HTTP basic authentication (Scrapy's spider attribute http_pass)."},
    setting_decl{"HTTP_AUTH_DOMAIN", string, "", "Domain (and its subdomains) that receives the HTTP_USER credentials; empty: the host of the first request, as Scrapy's http_auth_domain."},
    setting_decl{"DEFAULT_REQUEST_HEADERS", dict,
                 R"({"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "Accept-Language": "en"})",
                 "Headers added to every request that does not set them, as a JSON object: -s 'DEFAULT_REQUEST_HEADERS={\"Accept-Language\": \"fr\"}'."},

    // Concurrency and politeness
    setting_decl{"CONCURRENT_REQUESTS", integer, "16", "Maximum number of requests downloading at once, over all hosts."},
    setting_decl{"CONCURRENT_REQUESTS_PER_DOMAIN", integer, "8", "Maximum number of requests downloading at once to one host name."},
    setting_decl{"CONCURRENT_REQUESTS_PER_IP", integer, "0", "When above 0, slots are per IP address with this limit, and CONCURRENT_REQUESTS_PER_DOMAIN is ignored."},
    setting_decl{"DOWNLOAD_DELAY", number, "0", "Seconds to wait between two requests to the same slot (host or IP)."},
    setting_decl{"RANDOMIZE_DOWNLOAD_DELAY", boolean, "true", "Wait a random 0.5 to 1.5 times DOWNLOAD_DELAY instead of the exact delay."},
    setting_decl{"DOWNLOAD_SLOTS", json, "", "Per-slot (host, or IP with CONCURRENT_REQUESTS_PER_IP, or meta \"download_slot\") concurrency, delay and delay randomisation, as Scrapy 2.11: -s 'DOWNLOAD_SLOTS={\"example.com\": {\"concurrency\": 1, \"delay\": 2, \"randomize_delay\": false}}', or a table in orbweaver.toml; what a slot leaves out comes from the settings above. Slots are keyed by host name without the port, as Scrapy's."},

    // Downloader
    setting_decl{"DOWNLOAD_TIMEOUT", number, "180", "Seconds each phase of a download (resolve, connect, TLS, write, read) may take; request meta \"download_timeout\" overrides."},
    setting_decl{"DOWNLOAD_MAXSIZE", integer, "1073741824", "Largest response body in bytes, before and after decompression; larger downloads fail (0 = no limit)."},
    setting_decl{"DOWNLOAD_WARNSIZE", integer, "33554432", "Response body size in bytes above which a warning is logged (0 = never)."},
    setting_decl{"DOWNLOAD_CA_FILE", string, "", "PEM file of extra certificate authorities to trust beside the system store."},
    setting_decl{"DOWNLOAD_VERIFY_TLS", boolean, "true", "Verify TLS certificates and host names (Scrapy does not verify by default; we do)."},
    setting_decl{"DNSCACHE_ENABLED", boolean, "true", "Cache DNS lookups in memory so each host is resolved once."},
    setting_decl{"DNS_TIMEOUT", number, "60", "Seconds a DNS lookup may take."},
    setting_decl{"AUTOTHROTTLE_ENABLED", boolean, "false", "Adjust each slot's delay to the server's latency (AutoThrottle)."},
    setting_decl{"AUTOTHROTTLE_START_DELAY", number, "5", "AutoThrottle's first delay, in seconds (never below DOWNLOAD_DELAY)."},
    setting_decl{"AUTOTHROTTLE_MAX_DELAY", number, "60", "Highest delay AutoThrottle may set, in seconds."},
    setting_decl{"AUTOTHROTTLE_TARGET_CONCURRENCY", number, "1", "Average number of requests AutoThrottle aims to have in flight to each server."},
    setting_decl{"AUTOTHROTTLE_DEBUG", boolean, "false", "Log every AutoThrottle delay change with the latency that caused it."},
    setting_decl{"CLOSESPIDER_TIMEOUT", number, "0", "Close the spider after this many seconds (0 = never); finish reason closespider_timeout."},
    setting_decl{"CLOSESPIDER_ITEMCOUNT", integer, "0", "Close the spider once this many items were scraped (0 = never)."},
    setting_decl{"CLOSESPIDER_PAGECOUNT", integer, "0", "Close the spider once this many responses were downloaded (0 = never)."},
    setting_decl{"CLOSESPIDER_ERRORCOUNT", integer, "0", "Close the spider once its callbacks raised this many errors (0 = never)."},
    setting_decl{"REDIRECT_ENABLED", boolean, "true", "Follow 301, 302, 303, 307 and 308 redirects."},
    setting_decl{"REDIRECT_MAX_TIMES", integer, "20", "Maximum number of redirects followed for one request."},
    setting_decl{"REDIRECT_PRIORITY_ADJUST", integer, "2", "Added to the priority of a redirected request."},
    setting_decl{"METAREFRESH_ENABLED", boolean, "true", "Follow <meta http-equiv=\"refresh\" content=\"N; url=...\"> in the first 4 KB of HTML responses as a GET redirect, counted with the HTTP redirects against REDIRECT_MAX_TIMES."},
    setting_decl{"METAREFRESH_MAXDELAY", number, "100", "Meta refreshes that wait this many seconds or more are not followed."},
    setting_decl{"METAREFRESH_IGNORE_TAGS", list, "", "Tags whose content is not searched for a meta refresh, comma-separated (e.g. noscript)."},
    setting_decl{"ROBOTSTXT_OBEY", boolean, "false", "Fetch each origin's robots.txt once before its first request and drop what it forbids (RFC 9309; a 5xx or unreachable robots.txt forbids everything); its Crawl-delay for us becomes the least delay between requests to that host, above DOWNLOAD_DELAY and AutoThrottle."},
    setting_decl{"ROBOTSTXT_USER_AGENT", string, "", "User agent whose product token is matched against robots.txt groups; empty means USER_AGENT."},
    setting_decl{"RETRY_ENABLED", boolean, "true", "Retry responses with a RETRY_HTTP_CODES status and transient download errors (timeouts, refused or dropped connections, DNS failures)."},
    setting_decl{"RETRY_TIMES", integer, "2", "Retries per request after the first attempt; request meta \"max_retry_times\" overrides, \"dont_retry\" disables."},
    setting_decl{"RETRY_HTTP_CODES", list, "500,502,503,504,522,524,408,429", "Response statuses that are retried."},
    setting_decl{"RETRY_PRIORITY_ADJUST", integer, "-1", "Added to the priority of a retried request."},
    setting_decl{"RETRY_BACKOFF_BASE", number, "0", "Not in Scrapy: seconds before the first retry, doubling with each retry, with jitter (0: retry at once, as Scrapy)."},
    setting_decl{"RETRY_BACKOFF_MAX", number, "60", "Not in Scrapy: the longest wait before a retry, capping both the backoff and a 429/503's Retry-After (which is honoured even when RETRY_BACKOFF_BASE is 0); at most a day."},
    setting_decl{"COMPRESSION_ENABLED", boolean, "true", "Send Accept-Encoding: gzip, deflate, br, zstd and decode compressed responses."},
    setting_decl{"COOKIES_ENABLED", boolean, "true", "Keep cookies from Set-Cookie in a jar per spider (or per meta \"cookiejar\") and send them back."},
    setting_decl{"COOKIES_DEBUG", boolean, "false", "Log every Cookie header sent and Set-Cookie received, at DEBUG."},
    setting_decl{"HTTPPROXY_ENABLED", boolean, "true", "Choose each request's proxy from request meta \"proxy\" (\"\" or null: none) or else the http_proxy, https_proxy and no_proxy environment variables, and send the proxy URL's credentials as Proxy-Authorization. Only http:// proxies; https URLs go through a CONNECT tunnel. When off, a meta \"proxy\" is still used, without its credentials (as Scrapy)."},
    setting_decl{"HTTPPROXY_AUTH_ENCODING", string, "latin-1", "Encoding of the user name and password in a proxy URL's Proxy-Authorization: latin-1 or utf-8 (Scrapy accepts any Python codec)."},

    // HTTP cache (Scrapy's HttpCacheMiddleware, priority 900)
    setting_decl{"HTTPCACHE_ENABLED", boolean, "false", "Keep every response in a cache on disk and answer requests from it: a spider run again does not ask the site again (docs/architecture.md, \"The HTTP cache and fetch_all\")."},
    setting_decl{"HTTPCACHE_DIR", string, "httpcache", "Folder of the cache (one folder per spider inside). A relative path is under the project's .orbweaver folder when a project runs (Scrapy's .scrapy), else under the working directory."},
    setting_decl{"HTTPCACHE_EXPIRATION_SECS", integer, "0", "Cached responses older than this many seconds are fetched again (0 = never expire)."},
    setting_decl{"HTTPCACHE_IGNORE_HTTP_CODES", list, "", "Responses with these statuses are not cached, comma-separated (the dummy policy only, as in Scrapy)."},
    setting_decl{"HTTPCACHE_IGNORE_MISSING", boolean, "false", "Requests not in the cache fail (error not_cached, stat httpcache/ignore) instead of being downloaded."},
    setting_decl{"HTTPCACHE_IGNORE_SCHEMES", list, "file", "URL schemes whose requests are never cached."},
    setting_decl{"HTTPCACHE_ALWAYS_STORE", boolean, "false", "rfc2616 policy: store every response whatever its Cache-Control (no-store still wins), to revalidate it later."},
    setting_decl{"HTTPCACHE_IGNORE_RESPONSE_CACHE_CONTROLS", list, "", "rfc2616 policy: Cache-Control directives of responses to disregard, comma-separated (e.g. no-cache,no-store)."},
    setting_decl{"HTTPCACHE_POLICY", string, "dummy", "dummy: every response cached and used for ever (but HTTPCACHE_IGNORE_HTTP_CODES); rfc2616: the server's Cache-Control, Expires and validators decide, and stale entries are revalidated with If-None-Match / If-Modified-Since. Scrapy's class paths are accepted too."},
    setting_decl{"HTTPCACHE_STORAGE", string, "filesystem", "Where the cache lives: filesystem, one file per response under HTTPCACHE_DIR (Scrapy's class path FilesystemCacheStorage is accepted too)."},
    setting_decl{"HTTPCACHE_GZIP", boolean, "false", "Compress new cache entries with gzip (entries of either kind are read)."},

    // Spiders
    setting_decl{"CRAWLSPIDER_FOLLOW_LINKS", boolean, "true", "Whether a crawl_spider follows the links of its rules at all; false: only the start pages and the callbacks' own requests (deprecated in Scrapy for follow=false in each rule)."},

    // Spider middlewares: depth, offsite, HTTP errors
    setting_decl{"DEPTH_LIMIT", integer, "0", "Maximum depth of links followed from the start requests (0 = no limit)."},
    setting_decl{"DEPTH_PRIORITY", integer, "0", "A request's priority is lowered by depth times this: positive crawls breadth-first, negative depth-first."},
    setting_decl{"DEPTH_STATS_VERBOSE", boolean, "false", "Count requests per depth in the stats (request_depth_count/N)."},
    setting_decl{"OFFSITE_ENABLED", boolean, "true", "Drop requests to hosts outside the spider's allowed_domains."},
    setting_decl{"REFERER_ENABLED", boolean, "true", "Send a Referer header on requests that callbacks yield, naming the page they came from."},
    setting_decl{"REFERRER_POLICY", string, "no-referrer-when-downgrade", "W3C policy for the Referer: no-referrer, no-referrer-when-downgrade (Scrapy's default), same-origin, origin, strict-origin, origin-when-cross-origin, strict-origin-when-cross-origin, unsafe-url; a response's Referrer-Policy header and request meta \"referrer_policy\" override it."},
    setting_decl{"URLLENGTH_LIMIT", integer, "2083", "Drop requests whose URL is longer than this many characters (0 = no limit)."},
    setting_decl{"HTTPERROR_ALLOWED_CODES", list, "", "Non-2xx status codes passed to the callback anyway, comma-separated (e.g. 404,410)."},
    setting_decl{"HTTPERROR_ALLOW_ALL", boolean, "false", "Pass every response to the callback, whatever its status."},

    // Scheduler
    setting_decl{"SCHEDULER", string, "memory", "memory: the frontier of this process (Scrapy's scrapy.core.scheduler.Scheduler); redis: one frontier on REDIS_URL shared by every worker with the same REDIS_KEY_PREFIX, with leases, cluster-wide politeness and exactly-once commits (scrapy_redis.scheduler.Scheduler works too; docs/distributed.md)."},
    setting_decl{"SCHEDULER_IDLE_BEFORE_CLOSE", number, "3", "With SCHEDULER=redis: seconds the whole crawl must stay idle (nothing queued, no lease held, no start URL waiting) before every worker closes (scrapy-redis's name; there it defaults to never)."},
    setting_decl{"SCHEDULER_MEMORY_QUEUE", string, "fifo", "Order of requests of one priority within a slot: fifo or lifo (Scrapy's names scrapy.squeues.FifoMemoryQueue and LifoMemoryQueue work too). Scrapy's default is LIFO; ours is FIFO. Priorities order requests within each slot; across slots the slot that may start soonest goes first (docs/architecture.md)."},
    setting_decl{"SCHEDULER_MEMORY_QUEUE_SIZE", integer, "50000", "Requests the frontier keeps in memory over all slots; the rest wait on disk in a temporary directory removed at exit (SQLite, read back a batch at a time). Each slot keeps at least 8 in memory. 0 keeps every request in memory and never writes a file. Requests whose callback has no registered name always stay in memory (stat scheduler/unserializable)."},
    setting_decl{"JOBDIR", string, "", "Folder that keeps the crawl's state (pending and in-flight requests, seen fingerprints, stats, the spider's state(), where feeds and the SQLite store end) so that the same command resumes after any stop, kill -9 included; one crawl at a time (a lock file). Also `crawl --jobdir DIR`. Empty: the state lives in memory and temporary files."},
    setting_decl{"JOBDIR_CHECKPOINT_INTERVAL", number, "0.5", "Not in Scrapy: seconds between the JOBDIR's checkpoints; the most recent work a crash makes the crawl do again."},
    setting_decl{"DUPEFILTER_DEBUG", boolean, "false", "Log every duplicate request filtered at DEBUG level, not only the first."},

    // Scraper
    setting_decl{"PARSE_THREADS", integer, "0", "Threads running parse callbacks (0 = one per CPU core)."},
    setting_decl{"SCRAPER_SLOT_MAX_ACTIVE_SIZE", integer, "5000000", "Bytes of responses waiting for or in callbacks above which the engine stops taking new requests."},

    // Components, as "name=priority,name=off"
    setting_decl{"DOWNLOADER_MIDDLEWARES", priorities, "", "Move or disable downloader middlewares: name=priority, or name=off."},
    setting_decl{"SPIDER_MIDDLEWARES", priorities, "", "Move or disable spider middlewares: name=priority, or name=off."},
    setting_decl{"ITEM_PIPELINES", priorities, "", "Move or disable item pipelines: name=priority, or name=off."},
    setting_decl{"DEDUP_FIELDS", list, "", "The dedup pipeline drops an item whose values of these fields, comma-separated, an earlier item had (empty: all of its fields)."},

    // Feed exports
    setting_decl{"FEEDS", list, "", "Files to write items to, comma-separated; the format follows the extension (.jsonl/.jl for JSON lines, .json, .csv) or a colon (items.out:csv); -:jsonl writes to standard output."},
    setting_decl{"FEED_OVERWRITE", boolean, "false", "Truncate feed files at the start of the crawl instead of appending (-O on the command line)."},
    setting_decl{"FEED_EXPORT_ENCODING", string, "utf-8", "\"utf-8\" writes text as is; \"ascii\" escapes non-ASCII as \\uXXXX in JSON feeds (CSV feeds refuse it)."},
    setting_decl{"FEED_FLUSH_INTERVAL", number, "1.0", "Not in Scrapy: seconds a scraped item may wait before its feed writes it (whole records, so a killed crawl leaves whole lines); 0 = write after every item."},
    setting_decl{"FEED_EXPORT_FIELDS", list, "", "Fields to export and their order, comma-separated (empty: the keys of the first item; CSV only keeps those)."},

    // Embedded store
    setting_decl{"STORE_URI", string, "", "Database to store items in: sqlite:PATH or sqlite:///ABSOLUTE/PATH, or postgresql://USER:PASSWORD@HOST:PORT/DATABASE (also postgres://, with libpq's parameters such as ?sslmode=require) (empty = off)."},
    setting_decl{"SQLITE_BATCH_SIZE", integer, "500", "Items written per SQLite transaction; the last batch is committed when the spider closes."},
    setting_decl{"POSTGRES_BATCH_SIZE", integer, "500", "Items per PostgreSQL transaction (one COPY); a writer thread commits a batch when it is full or its first item has waited a second."},
    setting_decl{"POSTGRES_RETRY_TIMEOUT", number, "60", "Seconds the PostgreSQL store keeps reconnecting after a lost connection; then it gives up, its items are counted in store/items_failed and the crawl closes with storage_error."},

    // Redis (the client under the distributed frontier)
    setting_decl{"REDIS_URL", string, "", "Not in Scrapy (scrapy-redis's REDIS_URL): redis://[[USER]:PASSWORD@]HOST[:PORT][/DB] (port 6379, db 0), rediss://... for TLS (add ?verify=false for a self-signed server, ?ca_file=PATH for a private authority), or unix:///PATH/TO/SOCKET?db=N&password=P (empty = no Redis)."},
    setting_decl{"REDIS_CONNECT_TIMEOUT", number, "5", "Seconds connecting to Redis may take: resolve, connect, TLS, AUTH and SELECT together."},
    setting_decl{"REDIS_COMMAND_TIMEOUT", number, "10", "Seconds a Redis reply may take; a later one closes the connection (the command fails, the client reconnects)."},
    setting_decl{"REDIS_RETRY_TIMEOUT", number, "60", "Seconds a Redis command waits for a server that is down (the client reconnects with backoff meanwhile) before it fails."},
    setting_decl{"REDIS_WORKER_ID", string, "", "Not in Scrapy: this worker's name in the shared frontier (no '|'); unique among live workers. A worker started again with its id continues its commits and cuts its feeds back to its last commit. Empty: HOSTNAME-PID (crawl --workers gives HOSTNAME-1 ... HOSTNAME-N)."},
    setting_decl{"REDIS_LEASE_TIME", number, "30", "Not in Scrapy: seconds a request taken by a worker stays its own without a renewal (renewed every third of it while the worker lives); a request of a worker that died goes back to its queue after this."},
    setting_decl{"REDIS_COMMIT_INTERVAL", number, "0.2", "Not in Scrapy: seconds between a worker's commits to Redis (the requests done, their new requests, stats and where each feed ends, in one atomic step); the most recent work a killed worker's requests are done again for."},
    setting_decl{"REDIS_KEEP_ALIVE", boolean, "false", "Not in Scrapy: with SCHEDULER=redis, workers keep waiting for new start URLs in PREFIX:start_urls instead of closing when the crawl is idle (scrapy-redis's behaviour; crawl --keep-alive)."},
    setting_decl{"REDIS_KEY_PREFIX", string, "", "Not in Scrapy (scrapy-redis's keys are named after the spider too): the start of every key of the crawl's frontier on Redis, PREFIX:start_urls, PREFIX:q:<slot>, ... (empty = the spider's name). Workers with one prefix share one crawl."},

    // Logging and stats
    setting_decl{"LOG_LEVEL", string, "INFO", "Lowest level logged: DEBUG, INFO, WARNING, ERROR or CRITICAL (Scrapy's default is DEBUG; INFO keeps big crawls fast and readable)."},
    setting_decl{"LOG_FILE", string, "", "File the log is appended to (empty: standard error)."},
    setting_decl{"LOGSTATS_INTERVAL", number, "60", "Seconds between log lines reporting pages and items per minute (0 = off). On a terminal (and without LOG_FILE) a status line under the log, redrawn every second, takes their place."},
    setting_decl{"STATS_DUMP", boolean, "true", "Log the crawl statistics when the spider closes."},

    // Dashboard
    setting_decl{"DASHBOARD_PORT", integer, "0", "Not in Scrapy: serve a live dashboard of the crawl on this TCP port (0 = off): the page at /, its numbers as JSON at /stats and as Server-Sent Events at /events. The log gives its URL."},
    setting_decl{"DASHBOARD_HOST", string, "127.0.0.1", "Not in Scrapy: the IP address the dashboard listens on. Any address but loopback requires a token, generated at start and given in the log line with the URL, as ?token= or an Authorization: Bearer header (403 without)."},
    setting_decl{"REPORT_FILE", string, "", "Not in Scrapy: at the end of the crawl, write the dashboard with the final numbers to this HTML file, which opens offline (empty = none)."},
    setting_decl{"RENDER_CONCURRENCY", integer, "4", "Not in Scrapy: pages rendered in headless Chromium at once (browser tabs), for requests with meta \"render\"; the others wait for a tab, and requests that are not rendered never do."},
    setting_decl{"RENDER_TIMEOUT", number, "30", "Not in Scrapy: seconds a rendered page may take to load and meet its wait conditions before it fails with render_timeout; request meta \"render_timeout\" overrides."},
    setting_decl{"RENDER_VIEWPORT", string, "1280x800", "Not in Scrapy: the browser's viewport, WIDTHxHEIGHT in pixels, for rendered pages and their screenshots."},
    setting_decl{"RENDER_BLOCK_RESOURCES", list, "", "Not in Scrapy: resource types rendered pages do not load, such as image,font,media (also stylesheet, script, xhr, fetch, texttrack, eventsource, websocket, manifest, other)."},
    setting_decl{"SCREENSHOT_DIR", string, "screenshots", "Not in Scrapy: the folder where the screenshots of rendered requests with meta \"screenshot\" are written, named by the request's fingerprint."},
    setting_decl{"CHROMIUM_PATH", string, "", "Not in Scrapy: the Chromium program that renders pages (empty: chromium, chromium-browser or google-chrome from PATH)."},
};

}  // namespace

std::span<const setting_decl> builtin_setting_declarations() { return table; }

}  // namespace orbweaver
