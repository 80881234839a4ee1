// What 64 terminals' transport and TLS cost a client on this machine without any simulator: 64 TLS 1.3
// (AES-128-GCM) connections over loopback in a closed loop, a server thread answering every 1,300-byte request
// with 700 bytes (the sizes of a purchase and its receipt). The client thread waits in epoll, reads every ready
// connection (read-ahead, SSL_has_pending), then writes the next request on each; it prints its own CPU per request.
//   mode 0: SSL_write on the socket BIO per connection (encrypt and write(2) interleaved, as TillIO does)
//   mode 1: every request encrypted into a memory BIO first, then one write(2) per connection
// Build and run (certificates from `till-sim certs --dir DIR`; bench/sim.md, sixth pass):
//   gcc -O2 -o tls-floor bench/tls-floor.c -lssl -lcrypto -lpthread && ./tls-floor 0 PORT DIR
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <openssl/ssl.h>
#include <openssl/err.h>
#define C 64
static SSL_CTX *sctx, *cctx; static int sfd[C], cfd[C]; static SSL *ss[C], *cs[C]; static BIO *mem[C];
static int mode, N = 200000; static volatile int stop;
static void nb(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }
static void *server(void *a) {
  int ep = epoll_create1(0); struct epoll_event ev[C];
  for (int i = 0; i < C; i++) { struct epoll_event e = { .events = EPOLLIN, .data.u32 = i }; epoll_ctl(ep, EPOLL_CTL_ADD, sfd[i], &e); }
  static char buf[20000], out[700]; memset(out, 'b', sizeof out); static int got[C];
  while (!stop) {
    int n = epoll_wait(ep, ev, C, 100);
    for (int k = 0; k < n; k++) { int i = ev[k].data.u32;
      for (;;) { int r = SSL_read(ss[i], buf, sizeof buf); if (r <= 0) break; got[i] += r; while (got[i] >= 1300) { got[i] -= 1300; SSL_write(ss[i], out, 700); } }
    }
  }
  return 0;
}
int main(int argc, char **argv) {
  if (argc < 4) { fprintf(stderr, "usage: tls-floor MODE PORT CERTDIR\n"); return 1; }
  mode = atoi(argv[1]); int port = atoi(argv[2]); const char *d = argv[3]; char p[256];
  sctx = SSL_CTX_new(TLS_server_method());
  snprintf(p, sizeof p, "%s/server.pem", d); SSL_CTX_use_certificate_chain_file(sctx, p);
  snprintf(p, sizeof p, "%s/server.key", d); SSL_CTX_use_PrivateKey_file(sctx, p, SSL_FILETYPE_PEM);
  cctx = SSL_CTX_new(TLS_client_method()); SSL_CTX_set_ciphersuites(cctx, "TLS_AES_128_GCM_SHA256");
  snprintf(p, sizeof p, "%s/ca.pem", d); SSL_CTX_load_verify_locations(cctx, p, NULL); SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);
  int l = socket(AF_INET, SOCK_STREAM, 0); struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
  a.sin_addr.s_addr = htonl(0x7f000001); int one = 1; setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, 4);
  if (bind(l, (void*)&a, sizeof a)) { perror("bind"); return 1; } listen(l, C);
  for (int i = 0; i < C; i++) {
    cfd[i] = socket(AF_INET, SOCK_STREAM, 0); connect(cfd[i], (void*)&a, sizeof a); sfd[i] = accept(l, 0, 0);
    setsockopt(cfd[i], IPPROTO_TCP, TCP_NODELAY, &one, 4); setsockopt(sfd[i], IPPROTO_TCP, TCP_NODELAY, &one, 4);
    ss[i] = SSL_new(sctx); SSL_set_fd(ss[i], sfd[i]); cs[i] = SSL_new(cctx); SSL_set_fd(cs[i], cfd[i]); SSL_set_read_ahead(cs[i], 1);
    nb(cfd[i]); nb(sfd[i]);
    for (int k = 0; k < 1000; k++) { int x = SSL_connect(cs[i]); int y = SSL_accept(ss[i]); if (x == 1 && y == 1) break; }
    if (mode == 1) { mem[i] = BIO_new(BIO_s_mem()); BIO *rb = SSL_get_rbio(cs[i]); BIO_up_ref(rb); SSL_set_bio(cs[i], rb, mem[i]); }
  }
  static char buf[20000], req[1300]; memset(req, 'a', sizeof req);
  // drain session tickets
  for (int k = 0; k < 50; k++) for (int i = 0; i < C; i++) SSL_read(cs[i], buf, sizeof buf);
  pthread_t t; pthread_create(&t, 0, server, 0);
  int ep = epoll_create1(0); struct epoll_event ev[C]; static int got[C]; int ready[C];
  for (int i = 0; i < C; i++) { struct epoll_event e = { .events = EPOLLIN, .data.u32 = i }; epoll_ctl(ep, EPOLL_CTL_ADD, cfd[i], &e); }
  struct rusage r0, r1; getrusage(RUSAGE_THREAD, &r0);
  int done = 0, wakes = 0;
  for (int i = 0; i < C; i++) { ready[i] = i; }
  int nr = C;
  for (;;) {
    if (mode == 0) { for (int k = 0; k < nr; k++) SSL_write(cs[ready[k]], req, 1300); }
    else {
      for (int k = 0; k < nr; k++) SSL_write(cs[ready[k]], req, 1300);
      for (int k = 0; k < nr; k++) { int i = ready[k]; char *data; long len = BIO_get_mem_data(mem[i], &data); if (write(cfd[i], data, len) != len) return 9; (void)BIO_reset(mem[i]); }
    }
    if (done >= N) break;
    int n = epoll_wait(ep, ev, C, -1); wakes++; nr = 0;
    for (int k = 0; k < n; k++) { int i = ev[k].data.u32;
      for (;;) { int r = SSL_read(cs[i], buf, sizeof buf); if (r <= 0) break; got[i] += r; if (!SSL_has_pending(cs[i])) break; }
      while (got[i] >= 700) { got[i] -= 700; ready[nr++] = i; done++; }
    }
  }
  getrusage(RUSAGE_THREAD, &r1); stop = 1;
  double u = (r1.ru_utime.tv_sec - r0.ru_utime.tv_sec) * 1e6 + (r1.ru_utime.tv_usec - r0.ru_utime.tv_usec);
  double sy = (r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) * 1e6 + (r1.ru_stime.tv_usec - r0.ru_stime.tv_usec);
  printf("mode %d: client user %.2f sys %.2f total %.2f us per request, %.1f requests per wake\n", mode, u / done, sy / done, (u + sy) / done, (double)done / wakes);
  pthread_join(t, 0);
  return 0;
}
