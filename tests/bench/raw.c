/* tests/bench/raw.c — the floor of the benchmark: a full scan of the Customer Search API in plain C.
 *
 * One libcurl easy handle, reused for every page (HTTP keep-alive), cJSON decoding every page in
 * full, counting individuals and accounts. No Lua, no output but one line of counts:
 *
 *   raw BASE_URL [--page-size N] [--start J --stride K] [--fetch-only]
 *   → individuals=I accounts=A pages=P total=T bytes=B
 *
 * Without --stride the scan is the report's: pages 1, 2, 3... until totalCount individuals were
 * read, or a short or empty page. With --start J --stride K the client fetches only pages
 * J, J+K, J+2K... up to ceil(totalCount / pageSize): K such clients run in parallel read every page
 * once, which is how the harness measures what att-sandbox can serve. --fetch-only decodes only the
 * first page (for totalCount) and then just downloads, so that the clients' own JSON work does not
 * hide the server's capacity (individuals and accounts then count only the first page).
 *
 *   cc -O2 -o build/bench/raw tests/bench/raw.c $(pkg-config --cflags --libs libcjson libcurl)
 */
#include <cJSON.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct Buf {
    char *data;
    size_t len, cap;
} Buf;

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    Buf *b = userdata;
    size_t n = size * nmemb;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1 << 16;
        while (cap < b->len + n + 1) cap *= 2;
        char *p = realloc(b->data, cap);
        if (!p) return 0;
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, ptr, n);
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "raw: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(1);
}

static long arg_long(const char *s, const char *name)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < 1) die("bad value for", name);
    return v;
}

int main(int argc, char **argv)
{
    const char *base = NULL;
    long page_size = 100, start = 1, stride = 1;
    int fetch_only = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--page-size") && i + 1 < argc)
            page_size = arg_long(argv[++i], "--page-size");
        else if (!strcmp(argv[i], "--start") && i + 1 < argc)
            start = arg_long(argv[++i], "--start");
        else if (!strcmp(argv[i], "--stride") && i + 1 < argc)
            stride = arg_long(argv[++i], "--stride");
        else if (!strcmp(argv[i], "--fetch-only"))
            fetch_only = 1;
        else if (!base && argv[i][0] != '-')
            base = argv[i];
        else
            die("usage: raw BASE_URL [--page-size N] [--start J --stride K] [--fetch-only]", NULL);
    }
    if (!base) base = getenv("ATT_BASE_URL");
    if (!base) die("usage: raw BASE_URL [--page-size N] [--start J --stride K] [--fetch-only]", NULL);

    char url[2048];
    if (snprintf(url, sizeof url, "%s/v1/customers/search", base) >= (int)sizeof url) die("base URL too long", NULL);

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) die("curl_global_init failed", NULL);
    CURL *h = curl_easy_init();
    if (!h) die("curl_easy_init failed", NULL);
    struct curl_slist *hdrs = NULL;
    hdrs = curl_slist_append(hdrs, "content-type: application/json");
    hdrs = curl_slist_append(hdrs, "accept: application/json");
    Buf body = {0};
    char post[128];
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, post);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);

    long long individuals = 0, accounts = 0, pages = 0, total = -1, last_page = -1, bytes = 0;
    for (long page = start; last_page < 0 || page <= last_page; page += stride) {
        snprintf(post, sizeof post, "{\"pageSize\":%ld,\"pageOffset\":%ld}", page_size, page);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(post));
        body.len = 0;
        CURLcode rc = curl_easy_perform(h);
        if (rc != CURLE_OK) die("request failed", curl_easy_strerror(rc));
        long status = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        if (status != 200) {
            char s[32];
            snprintf(s, sizeof s, "HTTP %ld", status);
            die("unexpected status", s);
        }
        bytes += (long long)body.len;
        if (fetch_only && total >= 0) {
            pages++;
            continue;
        }
        cJSON *doc = cJSON_ParseWithLength(body.data ? body.data : "", body.len);
        if (!doc) die("invalid JSON", NULL);
        const cJSON *tc = cJSON_GetObjectItemCaseSensitive(doc, "totalCount");
        const cJSON *inds = cJSON_GetObjectItemCaseSensitive(doc, "individuals");
        if (!cJSON_IsNumber(tc) || !cJSON_IsArray(inds)) die("not a search response", NULL);
        if (total < 0) {
            total = (long long)tc->valuedouble;
            last_page = (total + page_size - 1) / page_size;
        }
        long long n = 0;
        const cJSON *person;
        cJSON_ArrayForEach(person, inds)
        {
            const cJSON *accs = cJSON_GetObjectItemCaseSensitive(person, "accounts");
            if (cJSON_IsArray(accs)) accounts += cJSON_GetArraySize(accs);
            n++;
        }
        cJSON_Delete(doc);
        pages++;
        individuals += n;
        /* The sequential scan stops like att does: totalCount reached, or a short or empty page. */
        if (stride == 1 && (individuals >= total || n < page_size)) break;
    }
    printf("individuals=%lld accounts=%lld pages=%lld total=%lld bytes=%lld\n", individuals, accounts, pages, total,
           bytes);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(h);
    curl_global_cleanup();
    free(body.data);
    return 0;
}
