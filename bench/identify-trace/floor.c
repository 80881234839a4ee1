// Floor of this VM: loopback TCP round trip between two processes (each blocked in epoll, TCP_NODELAY, 200-byte
// messages), and a thread hand-off there and back (futex via semaphores), at 200/s like the identify benchmark.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <pthread.h>
#include <semaphore.h>
#include <sys/socket.h>
#include <sys/epoll.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <sys/wait.h>
static long long now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec*1000000000LL+t.tv_nsec;}
static int cmp(const void*a,const void*b){long long x=*(long long*)a,y=*(long long*)b;return x<y?-1:x>y;}
static void report(const char*name,long long*v,int n){qsort(v,n,sizeof*v,cmp);printf("%-44s p50 %6.1f  p90 %6.1f  p99 %6.1f us\n",name,v[n/2]/1e3,v[n*9/10]/1e3,v[n*99/100]/1e3);}
static sem_t a,b; static volatile int stop;
static void*echo(void*x){while(1){sem_wait(&a);if(stop)return 0;sem_post(&b);}}
int main(int argc,char**argv){
  int n=argc>1?atoi(argv[1]):2000; long long*v=malloc(n*sizeof*v); char buf[200]; memset(buf,'x',200);
  // thread hand-off and back
  sem_init(&a,0,0);sem_init(&b,0,0);pthread_t t;pthread_create(&t,0,echo,0);
  for(int i=0;i<n;i++){usleep(5000);long long s=now();sem_post(&a);sem_wait(&b);v[i]=now()-s;}
  report("thread hand-off and back (2 futex wakes)",v,n); stop=1;sem_post(&a);pthread_join(t,0);
  // loopback TCP round trip between processes
  int l=socket(AF_INET,SOCK_STREAM,0);struct sockaddr_in ad={.sin_family=AF_INET,.sin_addr.s_addr=htonl(INADDR_LOOPBACK)};
  bind(l,(void*)&ad,sizeof ad);listen(l,1);socklen_t al=sizeof ad;getsockname(l,(void*)&ad,&al);
  if(fork()==0){int c=accept(l,0,0);int one=1;setsockopt(c,IPPROTO_TCP,TCP_NODELAY,&one,4);int ep=epoll_create1(0);
    struct epoll_event e={.events=EPOLLIN};epoll_ctl(ep,EPOLL_CTL_ADD,c,&e);
    while(1){epoll_wait(ep,&e,1,-1);int r=read(c,buf,200);if(r<=0)_exit(0);write(c,buf,r);}}
  int c=socket(AF_INET,SOCK_STREAM,0);connect(c,(void*)&ad,sizeof ad);int one=1;setsockopt(c,IPPROTO_TCP,TCP_NODELAY,&one,4);
  int ep=epoll_create1(0);struct epoll_event e={.events=EPOLLIN};epoll_ctl(ep,EPOLL_CTL_ADD,c,&e);
  long long*w=malloc(n*sizeof*w);
  for(int i=0;i<n;i++){usleep(5000);long long s=now();write(c,buf,200);long long s2=now();epoll_wait(ep,&e,1,-1);read(c,buf,200);v[i]=now()-s;w[i]=s2-s;}
  report("loopback TCP round trip, two processes",v,n); report("  of which the sender's write(2)",w,n);
  close(c);wait(0);return 0;}
