// A journal's fdatasync beside a database file's checkpoint fsync, on this machine's disk, without Till (bench/journal.md,
// "The database file written out in slices"). One thread dirties 950 random 4 KiB pages of a 140 MiB file every
// ~40 ms (a 4 MiB checkpoint's copy) and fsyncs it: at once (mode 0), or first written out in slices of SLICE_KIB of
// the file with sync_file_range(WAIT_BEFORE | WRITE | WAIT_AFTER) (mode 1); the main thread appends 1 KiB records to a
// preallocated file with one fdatasync each, every 2 ms, and reports their latencies. PRIO: an I/O priority for the
// checkpoint thread (ioprio_set value; 0: none).
//   gcc -O2 -o /tmp/fsync-slices bench/fsync-slices.c -lpthread && cd /tmp && ./fsync-slices MODE SLICE_KIB SECONDS [PRIO]
// Files: ./db and ./journal in the working directory.
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
static int mode, slice_mb;
static volatile int stop;
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec*1e6+t.tv_nsec/1e3;}
static double lat[200000]; static int nlat;
static double dbt[10000]; static int ndb;
#define DBSIZE (140LL<<20)
#include <sys/syscall.h>
static int prio;
static void *dbthread(void*a){
  if(prio) { long r=syscall(SYS_ioprio_set,1,0,prio); if(r) perror("ioprio"); }
  int fd=open("db",O_RDWR); char page[4096]; memset(page,7,4096); unsigned s=1;
  while(!stop){
    for(int i=0;i<950;i++){ s=s*1103515245+12345; long long pg=(s>>4)%(DBSIZE/4096); pwrite(fd,page,4096,pg*4096);}
    double t0=now();
    if(mode==1){ for(long long o=0;o<DBSIZE;o+=(long long)slice_mb<<10) sync_file_range(fd,o,(long long)slice_mb<<10,7); }
    fdatasync(fd);
    dbt[ndb++]=now()-t0;
    usleep(40000);
  }
  return 0;
}
static int cmp(const void*a,const void*b){double x=*(double*)a,y=*(double*)b;return x<y?-1:x>y;}
int main(int c,char**v){
  mode=atoi(v[1]); slice_mb=c>2?atoi(v[2]):8; int secs=c>3?atoi(v[3]):15; prio=c>4?atoi(v[4]):0;
  int fd=open("db",O_RDWR|O_CREAT,0600); static char z[1<<20]; memset(z,1,sizeof z);
  if(lseek(fd,0,SEEK_END)<DBSIZE){ for(long long o=0;o<DBSIZE;o+=sizeof z) pwrite(fd,z,sizeof z,o); fsync(fd);} close(fd);
  int jf=open("journal",O_RDWR|O_CREAT,0600); for(long long o=0;o<(64<<20);o+=sizeof z) pwrite(jf,z,sizeof z,o); fsync(jf);
  pthread_t t; pthread_create(&t,0,dbthread,0);
  char rec[1024]; memset(rec,3,1024); long long off=0; double end=now()+secs*1e6;
  while(now()<end){ double t0=now(); pwrite(jf,rec,1024,off); fdatasync(jf); lat[nlat++]=now()-t0; off=(off+1024)%(64<<20); usleep(2000);}
  stop=1; pthread_join(t,0);
  qsort(lat,nlat,sizeof(double),cmp); qsort(dbt,ndb,sizeof(double),cmp);
  printf("prio %x mode %d slice %d KiB: journal syncs %d p50 %.0f p90 %.0f p99 %.0f max %.0f us | db syncs %d p50 %.0f max %.0f us\n",prio,mode,slice_mb,nlat,lat[nlat/2],lat[nlat*9/10],lat[nlat*99/100],lat[nlat-1],ndb,dbt[ndb/2],dbt[ndb-1]);
}
