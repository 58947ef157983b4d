#define _GNU_SOURCE
/* rw2: preadv2 and pwritev2: offsets, -1 for the file position, flags. */
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <unistd.h>
#include <errno.h>
#include <string.h>
#include <sys/uio.h>
int main(void){
  char path[]="/tmp/rw2XXXXXX"; int fd=mkstemp(path); unlink(path);
  struct iovec w[2]={{"hello ",6},{"world",5}};
  printf("pwritev2 at 0: %zd\n", pwritev2(fd,w,2,0,0));
  ssize_t m=pwritev2(fd,w,1,-1,0); printf("pwritev2 at -1: %zd pos %ld\n", m, (long)lseek(fd,0,SEEK_CUR));
  char a[6]={0},b[6]={0}; struct iovec r[2]={{a,5},{b,5}};
  ssize_t n=preadv2(fd,r,2,1,RWF_HIPRI); printf("preadv2 at 1: %zd [%s][%s]\n",n,a,b);
  lseek(fd,6,SEEK_SET); memset(a,0,6);
  struct iovec r1={a,5}; n=preadv2(fd,&r1,1,-1,0); printf("preadv2 at -1: %zd [%s] pos %ld\n",n,a,(long)lseek(fd,0,SEEK_CUR));
  n=preadv2(fd,&r1,1,0,0x1000); printf("bad flag: %zd %s\n",n,n<0?strerror(errno):"");
  n=preadv2(fd,&r1,1,-2,0); printf("offset -2: %zd %s\n",n,n<0?strerror(errno):"");
  return 0;}
