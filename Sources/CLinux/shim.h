// Linux headers that Glibc's Swift module does not export.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/signalfd.h>
#include <sys/resource.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <pthread.h>

// accept4 is declared only under _GNU_SOURCE.
extern int accept4(int sockfd, struct sockaddr *addr, socklen_t *addrlen, int flags);
static inline int till_accept4(int fd, struct sockaddr *addr, socklen_t *length, int flags) {
    return accept4(fd, addr, length, flags);
}

// epoll_pwait2 (Linux 5.11, glibc 2.35): epoll_wait with a nanosecond timeout, so a timer fires at its deadline
// instead of on the next millisecond. Declared here for headers that hide it; NULL timeout waits forever.
extern int epoll_pwait2(int epfd, struct epoll_event *events, int maxevents, const struct timespec *timeout,
                        const sigset_t *sigmask);
static inline int till_epoll_pwait2(int epfd, struct epoll_event *events, int maxevents, long long timeoutNanoseconds) {
    if (timeoutNanoseconds < 0) return epoll_pwait2(epfd, events, maxevents, 0, 0);
    struct timespec timeout = { timeoutNanoseconds / 1000000000LL, timeoutNanoseconds % 1000000000LL };
    return epoll_pwait2(epfd, events, maxevents, &timeout, 0);
}

// The calling thread's timer slack (prctl is variadic, so Swift cannot call it directly).
#include <sys/prctl.h>
static inline int till_set_timer_slack(unsigned long nanoseconds) {
    return prctl(PR_SET_TIMERSLACK, nanoseconds, 0, 0, 0);
}

// sync_file_range is declared only under _GNU_SOURCE. SYNC_FILE_RANGE_WRITE (2): start writing the dirty pages of the
// range out, do not wait for it; offset 0 and count 0: the whole file.
extern int sync_file_range(int fd, long long offset, long long count, unsigned int flags);
static inline int till_start_writeback(int fd) { return sync_file_range(fd, 0, 0, 2); }
// Writes the range's dirty pages out and waits for them (SYNC_FILE_RANGE_WAIT_BEFORE | WRITE | WAIT_AFTER). Makes
// nothing durable (no metadata, no device cache flush): it bounds how much a writer leaves for the next fsync.
static inline int till_write_out(int fd, long long offset, long long count) { return sync_file_range(fd, offset, count, 7); }

// CRC-32C (Castagnoli) with the SSE 4.2 `crc32` instruction, for the journal's checksums (TillJournal's CRC32C keeps
// the software tables as the fallback and the reference). `till_crc32c_hardware_available` asks CPUID once per call:
// callers cache it. `till_crc32c_hardware` continues the raw (already inverted) register `crc` over `count` bytes at
// `bytes`: eight bytes per instruction, then the last 0–7 one by one. Compiled for SSE 4.2 on its own (the target
// attribute), so the rest of the program keeps the baseline x86-64 instruction set; on other machines it is absent.
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#if defined(__x86_64__)
#include <cpuid.h>
static inline int till_crc32c_hardware_available(void) {
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    return (ecx & bit_SSE4_2) != 0;
}
__attribute__((target("sse4.2")))
static inline uint32_t till_crc32c_hardware(uint32_t crc, const uint8_t *bytes, size_t count) {
    uint64_t wide = crc;
    while (count >= 8) {
        uint64_t word;
        memcpy(&word, bytes, 8);  // unaligned load
        wide = __builtin_ia32_crc32di(wide, word);
        bytes += 8;
        count -= 8;
    }
    uint32_t narrow = (uint32_t)wide;
    while (count > 0) {
        narrow = __builtin_ia32_crc32qi(narrow, *bytes);
        bytes += 1;
        count -= 1;
    }
    return narrow;
}
#else
static inline int till_crc32c_hardware_available(void) { return 0; }
static inline uint32_t till_crc32c_hardware(uint32_t crc, const uint8_t *bytes, size_t count) {
    (void)bytes; (void)count; return crc;  // never called: not available
}
#endif
