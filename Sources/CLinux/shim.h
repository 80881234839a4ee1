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
