/*
 * segments: the program's PT_LOAD segments as the ELF loader maps them.
 * Initialised data spanning pages reads as written in the file, the .bss
 * after it (also the part sharing the data's last page) reads as zero, and
 * writes to either stay in this process: the program writes over its data,
 * then execs itself, and the new image sees the file's bytes again (a
 * segment is a private copy of the file, never the file itself).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define DATA_WORDS (3 * 4096 / sizeof(unsigned))

/* .data: three pages of words, the first three set, the rest zero */
static unsigned data[DATA_WORDS] = {1, 2, 3};
static unsigned last_word = 0xdeadbeef;
/* .bss */
static unsigned char small_bss[100];
static unsigned char big_bss[1 << 20];

static int data_pristine(void)
{
	if (data[0] != 1 || data[1] != 2 || data[2] != 3 || last_word != 0xdeadbeef)
		return 0;
	for (size_t i = 3; i < DATA_WORDS; i++)
		if (data[i] != 0)
			return 0;
	return 1;
}

static int all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

int main(int argc, char **argv)
{
	const char *round = argc > 1 ? argv[1] : "first";
	printf("%s image: data as in the file: %d\n", round, data_pristine());
	printf("%s image: .bss reads zero: %d\n", round,
	       all_zero(small_bss, sizeof small_bss) && all_zero(big_bss, sizeof big_bss));
	if (argc > 1)
		return 0;
	memset(data, 0x5a, sizeof data);
	last_word = 1;
	memset(small_bss, 0xa5, sizeof small_bss);
	memset(big_bss, 0xa5, sizeof big_bss);
	printf("written over: %d\n", !data_pristine() && !all_zero(big_bss, sizeof big_bss));
	fflush(stdout);
	execl("/proc/self/exe", "segments", "second", (char *)0);
	perror("execl");
	return 1;
}
