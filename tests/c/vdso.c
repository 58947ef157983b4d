/*
 * vdso: the app gets a vDSO (AT_SYSINFO_EHDR) holding an ELF shared object,
 * listed in /proc/self/maps, and the clock calls answer through it: CLOCK_
 * MONOTONIC never goes back, CLOCK_REALTIME, gettimeofday and time agree to
 * the second.
 */
#include <elf.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/time.h>
#include <time.h>

int main(void)
{
	unsigned long base = getauxval(AT_SYSINFO_EHDR);
	printf("AT_SYSINFO_EHDR present: %d\n", base != 0);
	if (base) {
		const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
		printf("vDSO is an ELF shared object: %d\n",
		       memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0 && eh->e_type == ET_DYN);
	}
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int listed = 0;
	while (f && fgets(line, sizeof line, f))
		if (strstr(line, "[vdso]")) {
			unsigned long lo = 0;
			sscanf(line, "%lx-", &lo);
			listed = lo == base;
		}
	if (f)
		fclose(f);
	printf("[vdso] in /proc/self/maps at AT_SYSINFO_EHDR: %d\n", listed);

	struct timespec prev, now;
	clock_gettime(CLOCK_MONOTONIC, &prev);
	int backwards = 0;
	for (int i = 0; i < 100000; i++) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec < prev.tv_sec || (now.tv_sec == prev.tv_sec && now.tv_nsec < prev.tv_nsec))
			backwards++;
		prev = now;
	}
	printf("CLOCK_MONOTONIC went back: %d times\n", backwards);
	struct timespec rt;
	struct timeval tv;
	clock_gettime(CLOCK_REALTIME, &rt);
	gettimeofday(&tv, NULL);
	time_t t = time(NULL);
	printf("realtime, gettimeofday and time agree: %d\n",
	       tv.tv_sec - rt.tv_sec <= 1 && t - rt.tv_sec <= 1 && rt.tv_sec > 1600000000);
	struct timespec res;
	printf("clock_getres(CLOCK_MONOTONIC) = %d, %ld ns\n", clock_getres(CLOCK_MONOTONIC, &res), res.tv_nsec);
	return 0;
}
