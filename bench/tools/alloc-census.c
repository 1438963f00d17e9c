/*
 * alloc-census.c - counts the live Swift heap objects of a process by type, to see what an idle
 * connection holds. valgrind's heap profilers cannot read Swift 6.3's DWARF 5 here, so this
 * interposes the Swift runtime's allocation entry points instead.
 *
 * It wraps swift_allocObject (count and bytes per type metadata) and swift_deallocObject /
 * swift_deallocClassInstance (the type is read from the object's first word). Frees the Swift
 * runtime makes internally (array, dictionary and string storage freed inside libswiftCore) do
 * not pass through the wrappers, so the standard library's storage types are over-counted: read
 * the classes of the server and of SwiftNIO, and compare two dumps.
 *
 * Build:  gcc -O2 -shared -fPIC -o alloc-census.so bench/tools/alloc-census.c -ldl
 * Use:    LD_PRELOAD=$PWD/alloc-census.so moltarena serve ... &
 *         kill -USR2 PID            # writes /tmp/alloc-census.PID: live count, bytes, type
 *         (open N idle connections, e.g. moltarena bench idle URL --clients N --hold 10)
 *         kill -USR2 PID            # again; the difference over N is what one connection holds
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <signal.h>
#include <unistd.h>

#define SLOTS 65536

typedef struct {
    _Atomic(void *) type;
    _Atomic long live;
    _Atomic long bytes;
} Slot;

typedef struct {
    const char *data;
    size_t length;
} TypeName;

static Slot slots[SLOTS];
static void *(*real_alloc)(void *, size_t, size_t);
static void (*real_dealloc)(void *, size_t, size_t);
static void (*real_dealloc_class)(void *, size_t, size_t);
static TypeName (*type_name)(void *, int);

/* The slot of a type (open addressing; types are never removed). */
static Slot *slot_for(void *type) {
    size_t hash = ((uintptr_t)type >> 4) * 2654435761u;
    for (size_t probe = 0; probe < SLOTS; probe++) {
        Slot *slot = &slots[(hash + probe) % SLOTS];
        void *current = atomic_load(&slot->type);
        if (current == type) return slot;
        if (current == NULL) {
            void *expected = NULL;
            if (atomic_compare_exchange_strong(&slot->type, &expected, type) || expected == type) return slot;
        }
    }
    return &slots[0];
}

void *swift_allocObject(void *type, size_t size, size_t alignment) {
    if (!real_alloc) real_alloc = dlsym(RTLD_NEXT, "swift_allocObject");
    void *object = real_alloc(type, size, alignment);
    Slot *slot = slot_for(type);
    atomic_fetch_add(&slot->live, 1);
    atomic_fetch_add(&slot->bytes, (long)size);
    return object;
}

static void forget(void *object, size_t size) {
    Slot *slot = slot_for(*(void **)object);
    atomic_fetch_sub(&slot->live, 1);
    atomic_fetch_sub(&slot->bytes, (long)size);
}

void swift_deallocObject(void *object, size_t size, size_t alignment) {
    if (!real_dealloc) real_dealloc = dlsym(RTLD_NEXT, "swift_deallocObject");
    forget(object, size);
    real_dealloc(object, size, alignment);
}

void swift_deallocClassInstance(void *object, size_t size, size_t alignment) {
    if (!real_dealloc_class) real_dealloc_class = dlsym(RTLD_NEXT, "swift_deallocClassInstance");
    forget(object, size);
    real_dealloc_class(object, size, alignment);
}

/* SIGUSR2: one line per type with live objects (a debugging tool: not async-signal-safe). */
static void dump(int signal_number) {
    (void)signal_number;
    if (!type_name) type_name = dlsym(RTLD_DEFAULT, "swift_getTypeName");
    char path[64];
    snprintf(path, sizeof path, "/tmp/alloc-census.%d", getpid());
    FILE *out = fopen(path, "w");
    if (!out) return;
    for (int index = 0; index < SLOTS; index++) {
        void *type = atomic_load(&slots[index].type);
        long live = atomic_load(&slots[index].live);
        if (!type || live <= 0) continue;
        TypeName name = {"?", 1};
        if (type_name) name = type_name(type, 1);
        fprintf(out, "%ld\t%ld\t%.*s\n", live, atomic_load(&slots[index].bytes), (int)(name.length > 200 ? 200 : name.length), name.data);
    }
    fclose(out);
}

__attribute__((constructor)) static void install(void) { signal(SIGUSR2, dump); }
