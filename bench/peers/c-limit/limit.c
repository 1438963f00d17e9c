/*
 * limit.c - the "C limit": the bench scenario of `moltarena bench`, served by a single-threaded
 * epoll loop in plain C with nothing else in the way, so that bench/compare.sh has a ceiling
 * measured with the same load generator on the same core: how far MoltArena (and each peer) is
 * from what one core can do at all. It is NOT a server to use: it speaks only as much Engine.IO 4
 * + Socket.IO 5 as the benchmark needs and nothing the benchmark does not exercise.
 *
 * What it does:
 *   GET /socket.io/?EIO=4&transport=websocket (Upgrade: websocket)  -> 101 + Engine.IO open packet
 *   40 / 40{...}                          CONNECT to "/"  -> 40{"sid":"..."}
 *   42N["battle:join",{"battleId":"X"}]   join room X     -> 43N[{"ok":true,"battleId":"X"}]
 *   42N["battle:turn",{"battleId":"X",..}] -> 42["battle:turn",<the object, byte for byte>] to every
 *                                           other member of room X (the frame is encoded once, and
 *                                           the same bytes, refcounted, are queued to each member),
 *                                           then 43N[{"ok":true,"battleId":"X"}] if there is an ack id
 *   Engine.IO: client ping 2 -> 3, pong 3 accepted, a ping 2 to every client every 25 s (pong
 *   timeouts are not enforced). WebSocket: masked client frames, text/ping/pong/close.
 * What it does not: polling, upgrades, compression, binary or fragmented WebSocket messages,
 * namespaces other than "/", UTF-8 validation, JSON beyond finding the event name and
 * "battleId" (the object is checked for balance and otherwise copied verbatim). Anything it does
 * not understand closes that connection.
 *
 * How: one epoll instance, edge-triggered sockets registered once for in and out. Reads go into
 * one static buffer (only a partial frame is kept per connection, in a malloc'd buffer). Output
 * is a per-connection queue of refcounted frames (a broadcast is one allocation whatever the room
 * size; the queue is allocated on demand and freed when empty), and every connection with output
 * is flushed once per loop iteration with one sendmsg() of all of it (an iovec per frame); on
 * EAGAIN the rest waits for EPOLLOUT. A connection with more than 4 MB pending is dropped. An
 * idle connection costs its 96-byte struct and its room membership.
 *
 * Build: gcc -O2 -Wall -Wextra -o limit bench/peers/c-limit/limit.c
 * Usage: limit [--host 127.0.0.1] [--port 0]; prints `listening on http://HOST:PORT` when ready,
 * SIGTERM/SIGINT stop it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_PAYLOAD 1000000          /* announced maxPayload; longer frames close the connection */
#define MAX_HEAD 8192                /* HTTP request head */
#define MAX_PENDING (4u << 20)       /* output bytes waiting for one connection */
#define MAX_BATTLE_ID 64
#define PING_MS 25000
#define RBUF_SIZE (2u << 20)         /* > a partial frame kept over + room for a read */

typedef struct conn conn;
typedef struct room room;
typedef struct blob { uint32_t refs, len; uint8_t data[]; } blob;   /* bytes to send, refcounted */
struct member { conn *c; uint32_t slot; };   /* slot: index in c->joins */
struct join { room *r; uint32_t idx; };      /* idx: index in r->members */
struct room { room *next; struct member *members; uint32_t n, cap, len; char name[]; };
struct conn {
    int fd;
    uint8_t ws, sio, dead, dirty, blocked;   /* upgraded, CONNECTed, closing, queued to flush, waits EPOLLOUT */
    uint8_t *in; uint32_t in_len;            /* a partial frame / request head from the last read */
    blob **q; uint32_t q_head, q_len, q_cap;  /* frames to send, shared; malloc'd only while any */
    uint32_t q_off, pending;                /* bytes of q[q_head] sent, bytes left to send */
    struct join *joins; uint32_t n_joins;
    conn *next_dirty, *next_dead;
};

static uint8_t rbuf[RBUF_SIZE];
static room *rooms[4096];
static conn **all;                           /* by fd, for the pings */
static int max_fds, top_fd;
static conn *dirty_head, *dirty_tail, *dead_head;
static volatile sig_atomic_t stopping;
static uint64_t rng;

/* ---- SHA-1 (RFC 3174) and base64, for Sec-WebSocket-Accept ---- */

static uint32_t rol(uint32_t x, int n) { return x << n | x >> (32 - n); }

static void sha1(const uint8_t *msg, size_t len, uint8_t out[20])
{
    uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
    size_t padded = (len + 8) / 64 * 64 + 64;
    for (size_t off = 0; off < padded; off += 64) {
        uint8_t b[64];
        for (size_t i = 0; i < 64; i++)
            b[i] = off + i < len ? msg[off + i] : off + i == len ? 0x80 : 0;
        if (off + 64 == padded)
            for (int i = 0; i < 8; i++) b[56 + i] = (uint8_t)((uint64_t)len * 8 >> (56 - 8 * i));
        uint32_t w[80], a = h[0], bb = h[1], c = h[2], d = h[3], e = h[4];
        for (int i = 0; i < 16; i++) w[i] = (uint32_t)b[4 * i] << 24 | b[4 * i + 1] << 16 | b[4 * i + 2] << 8 | b[4 * i + 3];
        for (int i = 16; i < 80; i++) w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
        for (int i = 0; i < 80; i++) {
            uint32_t f, k;
            if (i < 20) { f = (bb & c) | (~bb & d); k = 0x5A827999; }
            else if (i < 40) { f = bb ^ c ^ d; k = 0x6ED9EBA1; }
            else if (i < 60) { f = (bb & c) | (bb & d) | (c & d); k = 0x8F1BBCDC; }
            else { f = bb ^ c ^ d; k = 0xCA62C1D6; }
            uint32_t t = rol(a, 5) + f + e + k + w[i];
            e = d; d = c; c = rol(bb, 30); bb = a; a = t;
        }
        h[0] += a; h[1] += bb; h[2] += c; h[3] += d; h[4] += e;
    }
    for (int i = 0; i < 20; i++) out[i] = (uint8_t)(h[i / 4] >> (24 - 8 * (i % 4)));
}

static size_t base64(const uint8_t *in, size_t n, char *out)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? in[i + 1] << 8 : 0) | (i + 2 < n ? in[i + 2] : 0);
        out[o++] = abc[v >> 18 & 63];
        out[o++] = abc[v >> 12 & 63];
        out[o++] = i + 1 < n ? abc[v >> 6 & 63] : '=';
        out[o++] = i + 2 < n ? abc[v & 63] : '=';
    }
    out[o] = 0;
    return o;
}

static void make_sid(char out[21])
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (int i = 0; i < 20; i++) {
        rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
        out[i] = abc[rng >> 58];
    }
    out[20] = 0;
}

/* ---- connections: output, flushing, closing ---- */

static void kill_conn(conn *c)      /* closed at the end of the loop iteration (see reap) */
{
    if (c->dead) return;
    c->dead = 1;
    c->next_dead = dead_head;
    dead_head = c;
}

static void mark_dirty(conn *c)
{
    if (c->dirty) return;
    c->dirty = 1;
    c->next_dirty = NULL;
    if (dirty_tail) dirty_tail->next_dirty = c; else dirty_head = c;
    dirty_tail = c;
}

static blob *blob_new(size_t len)
{
    blob *b = malloc(sizeof *b + len);
    if (b) { b->refs = 0; b->len = (uint32_t)len; }
    return b;
}

static void blob_unref(blob *b) { if (--b->refs == 0) free(b); }

/* Queues b (c holds a reference until it is sent); the caller frees b if nobody took it. */
static void queue(conn *c, blob *b)
{
    if (c->dead) return;
    if (c->pending + b->len > MAX_PENDING) { kill_conn(c); return; }
    if (c->q_len == c->q_cap) {
        if (c->q_head) {
            memmove(c->q, c->q + c->q_head, (c->q_len - c->q_head) * sizeof *c->q);
            c->q_len -= c->q_head;
            c->q_head = 0;
        }
        if (c->q_len == c->q_cap) {
            uint32_t cap = c->q_cap ? c->q_cap * 2 : 8;
            blob **q = realloc(c->q, cap * sizeof *q);
            if (!q) { kill_conn(c); return; }
            c->q = q; c->q_cap = cap;
        }
    }
    c->q[c->q_len++] = b;
    b->refs++;
    c->pending += b->len;
    mark_dirty(c);
}

static size_t ws_header(uint8_t *h, int opcode, size_t len)
{
    h[0] = (uint8_t)(0x80 | opcode);
    if (len < 126) { h[1] = (uint8_t)len; return 2; }
    if (len <= 0xFFFF) { h[1] = 126; h[2] = (uint8_t)(len >> 8); h[3] = (uint8_t)len; return 4; }
    h[1] = 127;
    for (int i = 0; i < 8; i++) h[2 + i] = (uint8_t)((uint64_t)len >> (56 - 8 * i));
    return 10;
}

/* A text/control frame carrying prefix, p[0..n) and suffix, not yet queued anywhere. */
static blob *frame_blob(int opcode, const void *prefix, size_t pn, const void *p, size_t n, const char *suffix)
{
    size_t sn = suffix ? strlen(suffix) : 0;
    blob *b = blob_new(pn + n + sn + 10);
    if (!b) return NULL;
    size_t h = ws_header(b->data, opcode, pn + n + sn);
    memcpy(b->data + h, prefix, pn);
    memcpy(b->data + h + pn, p, n);
    if (sn) memcpy(b->data + h + pn + n, suffix, sn);
    b->len = (uint32_t)(h + pn + n + sn);
    return b;
}

static void send_blob(conn *c, blob *b)
{
    if (!b) { kill_conn(c); return; }
    queue(c, b);
    if (!b->refs) free(b);
}

static void send_raw(conn *c, const void *p, size_t n)
{
    blob *b = blob_new(n);
    if (b) memcpy(b->data, p, n);
    send_blob(c, b);
}

static void send_frame(conn *c, int opcode, const void *p, size_t n)
{
    send_blob(c, frame_blob(opcode, "", 0, p, n, NULL));
}

/* Writes everything queued, as much as the socket takes: one sendmsg per 1024 frames. */
static void flush(conn *c)
{
    while (c->q_head < c->q_len) {
        struct iovec iov[1024];
        int n = 0;
        for (uint32_t i = c->q_head; i < c->q_len && n < 1024; i++, n++) {
            uint32_t skip = i == c->q_head ? c->q_off : 0;
            iov[n].iov_base = c->q[i]->data + skip;
            iov[n].iov_len = c->q[i]->len - skip;
        }
        struct msghdr mh = {.msg_iov = iov, .msg_iovlen = (size_t)n};
        ssize_t sent = sendmsg(c->fd, &mh, MSG_NOSIGNAL);
        if (sent < 0 && errno == EINTR) continue;
        if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) { c->blocked = 1; return; }
        if (sent <= 0) { kill_conn(c); return; }
        c->pending -= (uint32_t)sent;
        for (size_t left = (size_t)sent; left > 0;) {
            blob *b = c->q[c->q_head];
            size_t rest = b->len - c->q_off;
            if (left < rest) { c->q_off += (uint32_t)left; break; }
            left -= rest;
            c->q_off = 0;
            c->q_head++;
            blob_unref(b);
        }
    }
    free(c->q);
    c->q = NULL;
    c->q_head = c->q_len = c->q_cap = 0;
}

/* ---- rooms ---- */

static uint32_t hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h & (sizeof rooms / sizeof *rooms - 1);
}

static room *room_find(const char *name, size_t n, int create)
{
    room **head = &rooms[hash(name, n)];
    for (room *r = *head; r; r = r->next)
        if (r->len == n && !memcmp(r->name, name, n)) return r;
    if (!create) return NULL;
    room *r = calloc(1, sizeof *r + n);
    if (!r) return NULL;
    memcpy(r->name, name, n);
    r->len = (uint32_t)n;
    r->next = *head;
    *head = r;
    return r;
}

static int join_room(conn *c, const char *name, size_t n)
{
    room *r = room_find(name, n, 1);
    if (!r) return -1;
    for (uint32_t i = 0; i < c->n_joins; i++)
        if (c->joins[i].r == r) return 0;
    if (r->n == r->cap) {
        uint32_t cap = r->cap ? r->cap * 2 : 8;
        struct member *m = realloc(r->members, cap * sizeof *m);
        if (!m) return -1;
        r->members = m; r->cap = cap;
    }
    struct join *j = realloc(c->joins, (c->n_joins + 1) * sizeof *j);
    if (!j) return -1;
    c->joins = j;
    r->members[r->n] = (struct member){c, c->n_joins};
    c->joins[c->n_joins++] = (struct join){r, r->n++};
    return 0;
}

static void leave_rooms(conn *c)
{
    for (uint32_t i = 0; i < c->n_joins; i++) {
        room *r = c->joins[i].r;
        uint32_t at = c->joins[i].idx;
        struct member last = r->members[--r->n];
        if (at != r->n) { r->members[at] = last; last.c->joins[last.slot].idx = at; }
        if (r->n == 0) {
            room **p = &rooms[hash(r->name, r->len)];
            while (*p != r) p = &(*p)->next;
            *p = r->next;
            free(r->members);
            free(r);
        }
    }
    free(c->joins);
    c->joins = NULL;
    c->n_joins = 0;
}

/* ---- just enough JSON: skip a value, noting a top-level "battleId" string ---- */

static const uint8_t *ws_skip(const uint8_t *p, const uint8_t *e)
{
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
    return p;
}

static const uint8_t *skip_string(const uint8_t *p, const uint8_t *e)   /* p at '"' */
{
    for (p++; p < e; p++) {
        if (*p == '"') return p + 1;
        if (*p == '\\') p++;
        else if (*p < 0x20) return NULL;
    }
    return NULL;
}

static const uint8_t *skip_value(const uint8_t *p, const uint8_t *e, int depth, const uint8_t **bid, size_t *bid_len)
{
    if (p >= e || depth > 32) return NULL;
    if (*p == '"') return skip_string(p, e);
    if (*p == '{' || *p == '[') {
        uint8_t close = *p == '{' ? '}' : ']';
        p = ws_skip(p + 1, e);
        if (p < e && *p == close) return p + 1;
        for (;;) {
            if (close == '}') {
                const uint8_t *key = p;
                if (p >= e || *p != '"' || !(p = skip_string(p, e))) return NULL;
                int is_bid = bid && p - key == 10 && !memcmp(key, "\"battleId\"", 10);
                p = ws_skip(p, e);
                if (p >= e || *p != ':') return NULL;
                p = ws_skip(p + 1, e);
                if (is_bid && p < e && *p == '"') {
                    const uint8_t *v = p;
                    if (!(p = skip_string(p, e))) return NULL;
                    *bid = v + 1;
                    *bid_len = (size_t)(p - v - 2);
                } else {
                    p = skip_value(p, e, depth + 1, NULL, NULL);
                }
            } else {
                p = skip_value(p, e, depth + 1, NULL, NULL);
            }
            if (!p || (p = ws_skip(p, e)) >= e) return NULL;
            if (*p == close) return p + 1;
            if (*p != ',') return NULL;
            p = ws_skip(p + 1, e);
        }
    }
    const uint8_t *s = p;   /* number, true, false, null */
    while (p < e && ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || *p == '-' || *p == '+' || *p == '.' || *p == 'E'))
        p++;
    return p > s ? p : NULL;
}

/* ---- Socket.IO / Engine.IO ---- */

static void ack(conn *c, const uint8_t *id, size_t id_len, const uint8_t *bid, size_t bid_len)
{
    static const char refused[] =
        "[{\"ok\":false,\"error\":{\"code\":\"INVALID_PAYLOAD\",\"message\":\"battleId must be 1 to 64 characters\"}}]";
    char msg[160];
    size_t n = 2;
    memcpy(msg, "43", 2);
    memcpy(msg + n, id, id_len); n += id_len;
    if (bid) {
        n += (size_t)sprintf(msg + n, "[{\"ok\":true,\"battleId\":\"%.*s\"}]", (int)bid_len, (const char *)bid);
    } else {
        memcpy(msg + n, refused, sizeof refused - 1); n += sizeof refused - 1;
    }
    send_frame(c, 1, msg, n);
}

static void broadcast(conn *from, const uint8_t *bid, size_t bid_len, const uint8_t *obj, size_t obj_len)
{
    room *r = room_find((const char *)bid, bid_len, 0);
    if (!r) return;
    blob *b = frame_blob(1, "42[\"battle:turn\",", 17, obj, obj_len, "]");
    if (!b) return;
    for (uint32_t i = 0; i < r->n; i++)
        if (r->members[i].c != from) queue(r->members[i].c, b);
    if (!b->refs) free(b);
}

/* 42N[...]: p points after "42". */
static int on_event(conn *c, const uint8_t *p, const uint8_t *e)
{
    const uint8_t *id = p;
    while (p < e && *p >= '0' && *p <= '9') p++;
    size_t id_len = (size_t)(p - id);
    if (id_len > 18 || p >= e || *p != '[') return -1;
    p = ws_skip(p + 1, e);
    const uint8_t *name = p;
    if (p >= e || *p != '"' || !(p = skip_string(p, e))) return -1;
    size_t name_len = (size_t)(p - name);
    const uint8_t *obj = NULL, *obj_end = NULL, *bid = NULL;
    size_t bid_len = 0;
    p = ws_skip(p, e);
    if (p < e && *p == ',') {
        obj = ws_skip(p + 1, e);
        if (!(obj_end = skip_value(obj, e, 0, obj < e && *obj == '{' ? &bid : NULL, &bid_len))) return -1;
        p = ws_skip(obj_end, e);
        while (p < e && *p == ',') {
            if (!(p = skip_value(ws_skip(p + 1, e), e, 0, NULL, NULL))) return -1;
            p = ws_skip(p, e);
        }
    }
    if (p >= e || *p != ']' || ws_skip(p + 1, e) != e) return -1;
    if (bid && (bid_len == 0 || bid_len > MAX_BATTLE_ID)) bid = NULL;
    if (name_len == 13 && !memcmp(name, "\"battle:join\"", 13)) {
        if (bid && join_room(c, (const char *)bid, bid_len) < 0) return -1;
    } else if (name_len == 13 && !memcmp(name, "\"battle:turn\"", 13)) {
        if (bid) broadcast(c, bid, bid_len, obj, (size_t)(obj_end - obj));
    } else {
        return 0;   /* no handler, no ack */
    }
    if (id_len) ack(c, id, id_len, bid, bid_len);
    return 0;
}

static int on_message(conn *c, uint8_t *p, size_t n)   /* one Engine.IO packet */
{
    if (n == 0) return -1;
    switch (p[0]) {
    case '2': p[0] = '3'; send_frame(c, 1, p, n); return 0;   /* ping -> pong (with any probe text) */
    case '3': case '6': return 0;
    case '4': break;
    default: return -1;
    }
    if (n < 2) return -1;
    switch (p[1]) {
    case '0': {
        if (n > 2 && p[2] != '{') return -1;   /* "/" only */
        char sid[21], msg[40];
        make_sid(sid);
        c->sio = 1;
        send_frame(c, 1, msg, (size_t)sprintf(msg, "40{\"sid\":\"%s\"}", sid));
        return 0;
    }
    case '2': return c->sio ? on_event(c, p + 2, p + n) : -1;
    case '3': return 0;   /* an ack from the client */
    default: return -1;   /* 41 disconnect, binary, errors */
    }
}

static void unmask(uint8_t *p, size_t n, const uint8_t key[4])
{
    uint32_t k4;
    memcpy(&k4, key, 4);
    uint64_t k8 = (uint64_t)k4 << 32 | k4, v;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) { memcpy(&v, p + i, 8); v ^= k8; memcpy(p + i, &v, 8); }
    for (; i < n; i++) p[i] ^= key[i & 3];
}

static const char bad_request[] = "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n"
    "Content-Length: 34\r\nConnection: close\r\n\r\n{\"code\":3,\"message\":\"Bad request\"}";

/* The upgrade request: bytes used, 0 if incomplete, -1 to close. */
static long on_request(conn *c, uint8_t *p, size_t n)
{
    uint8_t *end = memmem(p, n < MAX_HEAD ? n : MAX_HEAD, "\r\n\r\n", 4);
    if (!end) {
        if (n < MAX_HEAD) return 0;
        send_raw(c, bad_request, sizeof bad_request - 1);
        return -1;
    }
    *end = 0;   /* the head is now a C string (its \r\n\r\n is consumed) */
    char *line = (char *)p, *key = NULL, *save;
    int upgrade = 0;
    char *first = strtok_r(line, "\r\n", &save);
    int ok = first && !strncmp(first, "GET /socket.io/?", 16) && strstr(first, "EIO=4") && strstr(first, "transport=websocket");
    for (char *h; ok && (h = strtok_r(NULL, "\r\n", &save));) {
        char *colon = strchr(h, ':');
        if (!colon) continue;
        *colon = 0;
        char *v = colon + 1;
        while (*v == ' ' || *v == '\t') v++;
        for (char *t = v + strlen(v); t > v && (t[-1] == ' ' || t[-1] == '\t');) *--t = 0;
        if (!strcasecmp(h, "upgrade")) upgrade = !strcasecmp(v, "websocket");
        else if (!strcasecmp(h, "sec-websocket-key")) key = v;
    }
    if (!ok || !upgrade || !key || strlen(key) > 64) {
        send_raw(c, bad_request, sizeof bad_request - 1);
        return -1;
    }
    char text[128], accept[32], sid[21], head[160], open[160];
    uint8_t digest[20];
    size_t tn = (size_t)sprintf(text, "%s258EAFA5-E914-47DA-95CA-C5AB0DC85B11", key);
    sha1((uint8_t *)text, tn, digest);
    base64(digest, 20, accept);
    send_raw(c, head, (size_t)sprintf(head, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", accept));
    make_sid(sid);
    send_frame(c, 1, open, (size_t)sprintf(open, "0{\"sid\":\"%s\",\"upgrades\":[],\"pingInterval\":%d,"
        "\"pingTimeout\":20000,\"maxPayload\":%d}", sid, PING_MS, MAX_PAYLOAD));
    c->ws = 1;
    return end + 4 - p;
}

/* Everything complete in p[0..n): bytes used, or -1 to close. */
static long on_bytes(conn *c, uint8_t *p, size_t n)
{
    size_t off = 0;
    if (!c->ws) {
        long used = on_request(c, p, n);
        if (used <= 0) return used;
        off = (size_t)used;
    }
    while (off < n && !c->dead) {
        uint8_t *f = p + off;
        size_t avail = n - off, h = 2;
        if (avail < 2) break;
        int fin = f[0] & 0x80, op = f[0] & 0x0F;
        if ((f[0] & 0x70) || !(f[1] & 0x80)) return -1;   /* extensions, unmasked */
        uint64_t len = f[1] & 0x7F;
        if (len == 126) {
            if (avail < 4) break;
            len = (uint64_t)f[2] << 8 | f[3]; h = 4;
        } else if (len == 127) {
            if (avail < 10) break;
            len = 0;
            for (int i = 0; i < 8; i++) len = len << 8 | f[2 + i];
            h = 10;
        }
        if (len > MAX_PAYLOAD || (op >= 8 && (!fin || len > 125))) return -1;
        if (avail < h + 4 + len) break;
        uint8_t *payload = f + h + 4;
        unmask(payload, (size_t)len, f + h);
        off += h + 4 + (size_t)len;
        if (op == 1) {
            if (!fin || on_message(c, payload, (size_t)len) < 0) return -1;
        } else if (op == 8) {
            send_frame(c, 8, payload, len >= 2 ? 2 : 0);   /* echo the status, then close */
            return -1;
        } else if (op == 9) {
            send_frame(c, 10, payload, (size_t)len);
        } else if (op != 10) {
            return -1;   /* binary, continuation, reserved */
        }
    }
    return c->dead ? -1 : (long)off;
}

/* Reads until drained: a short read means the socket was empty then (a later arrival is a new
 * edge), unless the peer has also shut down: then read on to see the end. */
static void on_readable(conn *c, int hup)
{
    for (;;) {
        size_t have = c->in_len, space = RBUF_SIZE - have;
        if (have) memcpy(rbuf, c->in, have);
        ssize_t n = recv(c->fd, rbuf + have, space, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
        if (n <= 0) { kill_conn(c); return; }
        free(c->in);
        c->in = NULL;
        c->in_len = 0;
        long used = on_bytes(c, rbuf, have + (size_t)n);
        if (used < 0) { kill_conn(c); return; }
        size_t rest = have + (size_t)n - (size_t)used;
        if (rest) {
            if (!(c->in = malloc(rest))) { kill_conn(c); return; }
            memcpy(c->in, rbuf + used, rest);
            c->in_len = (uint32_t)rest;
        }
        if ((size_t)n < space && !hup) return;
    }
}

static void reap(void)
{
    while (dead_head) {
        conn *c = dead_head;
        dead_head = c->next_dead;
        flush(c);   /* a last try for a close frame or a 400 */
        for (uint32_t i = c->q_head; i < c->q_len; i++) blob_unref(c->q[i]);
        free(c->q);
        leave_rooms(c);
        close(c->fd);
        all[c->fd] = NULL;
        free(c->in);
        free(c);
    }
}

static void accept_all(int lfd, int ep, int *spare)
{
    for (int i = 0; i < 256; i++) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            if ((errno == EMFILE || errno == ENFILE) && *spare >= 0) {   /* refuse one rather than spin */
                close(*spare);
                if ((fd = accept(lfd, NULL, NULL)) >= 0) close(fd);
                *spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
            }
            return;
        }
        conn *c = fd < max_fds ? calloc(1, sizeof *c) : NULL;
        if (!c) { close(fd); continue; }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        c->fd = fd;
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = c};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) { close(fd); free(c); continue; }
        all[fd] = c;
        if (fd > top_fd) top_fd = fd;
    }
}

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

static void on_signal(int sig) { (void)sig; stopping = 1; }

int main(int argc, char **argv)
{
    const char *host = "127.0.0.1", *port = "0";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--host") && i + 1 < argc) host = argv[++i];
        else if (!strcmp(argv[i], "--port") && i + 1 < argc) port = argv[++i];
        else { fprintf(stderr, "usage: %s [--host 127.0.0.1] [--port 0]\n", argv[0]); return 2; }
    }
    struct rlimit rl = {1024, 1024};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    /* Queues and frames come and go every loop iteration: keep freed memory in the process (no
     * trimming, no mmap per allocation) instead of faulting fresh pages in each time. */
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    max_fds = rl.rlim_cur > 1 << 22 ? 1 << 22 : (int)rl.rlim_cur;
    all = calloc((size_t)max_fds, sizeof *all);
    rng = (uint64_t)time(NULL) * 0x9E3779B97F4A7C15ull ^ (uint64_t)getpid() << 32 ^ (uint64_t)now_ms();
    if (!rng) rng = 1;

    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *ai;
    int err = getaddrinfo(host, port, &hints, &ai);
    if (err) { fprintf(stderr, "limit: %s: %s\n", host, gai_strerror(err)); return 1; }
    int lfd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (lfd < 0 || bind(lfd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(lfd, 4096) < 0) { perror("limit: listen"); return 1; }
    freeaddrinfo(ai);
    struct sockaddr_storage sa;
    socklen_t sl = sizeof sa;
    getsockname(lfd, (struct sockaddr *)&sa, &sl);
    int bound = ntohs(sa.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&sa)->sin6_port : ((struct sockaddr_in *)&sa)->sin_port);

    int ep = epoll_create1(EPOLL_CLOEXEC), spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
    struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev);

    /* SIGTERM/SIGINT are blocked except inside epoll_pwait, so a stop is never missed. */
    sigset_t block, waitmask;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigprocmask(SIG_BLOCK, &block, &waitmask);
    sigdelset(&waitmask, SIGTERM);
    sigdelset(&waitmask, SIGINT);
    struct sigaction sact = {.sa_handler = on_signal};
    sigaction(SIGTERM, &sact, NULL);
    sigaction(SIGINT, &sact, NULL);
    signal(SIGPIPE, SIG_IGN);

    printf("listening on http://%s%s%s:%d\n", strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "", bound);
    fflush(stdout);

    struct epoll_event evs[1024];
    long long next_ping = now_ms() + PING_MS;
    while (!stopping) {
        long long wait = next_ping - now_ms();
        int n = epoll_pwait(ep, evs, 1024, wait < 0 ? 0 : (int)wait, &waitmask);
        if (n < 0 && errno != EINTR) { perror("limit: epoll_pwait"); return 1; }
        for (int i = 0; i < n; i++) {
            conn *c = evs[i].data.ptr;
            if (!c) { accept_all(lfd, ep, &spare); continue; }
            if (c->dead) continue;
            if (evs[i].events & EPOLLERR) { kill_conn(c); continue; }
            if ((evs[i].events & EPOLLOUT) && c->blocked) { c->blocked = 0; mark_dirty(c); }
            if (evs[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) on_readable(c, evs[i].events & (EPOLLRDHUP | EPOLLHUP));
        }
        if (now_ms() >= next_ping) {
            next_ping = now_ms() + PING_MS;
            blob *ping = frame_blob(1, "", 0, "2", 1, NULL);
            for (int fd = 0; ping && fd <= top_fd; fd++)
                if (all[fd] && all[fd]->ws) queue(all[fd], ping);
            if (ping && !ping->refs) free(ping);
        }
        for (conn *c = dirty_head, *next; c; c = next) {
            next = c->next_dirty;
            c->dirty = 0;
            if (!c->dead && !c->blocked) flush(c);
        }
        dirty_head = dirty_tail = NULL;
        reap();
    }
    return 0;
}
