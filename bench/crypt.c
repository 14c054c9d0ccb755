/*
 * bench/crypt — what sealing costs, one core, no database: the time to seal
 * and to open a victim's phone's position (as store/monitor.c seals a fix), a
 * name (as store/people.c does), and to compute a match key (the register
 * search, once per key held).  Prints figures; never fails.  bench/engines.sh
 * measures the same cost end to end, where other work and a busy machine
 * hide it.
 *
 *   build/bench/crypt [N]     N operations of each (default 200000)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/crypt.h"
#include "base/secret.h"

static double per_op_us(int64_t t0, int n)
{
	return (double)(clock_mono_ns() - t0) / 1000.0 / n;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 200000;
	char dir[] = "/tmp/vigil-bench-crypt-XXXXXX", path[64], err[300], ad[64], *s, *out;
	char match[CRYPT_MATCH_LEN];
	const char *position = "51.498762999999997 -0.14128699999999999 8 1.25 187 35.5";
	const char *name = "Xylophone Quuxworth";
	crypt_keys *k;
	int64_t t0;
	size_t len;

	if (n <= 0 || secret_init() < 0 || !mkdtemp(dir))
		return 1;
	snprintf(path, sizeof path, "%s/data.key", dir);
	if (crypt_keyfile_create(path, err, sizeof err) < 0 ||
	    crypt_keys_load(path, &k, err, sizeof err) < 0 || crypt_keys_set_current(k, 1) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	printf("sealing, one core, %d operations each (XChaCha20-Poly1305, base64url text)\n", n);
	for (int pass = 0; pass < 2; pass++) {
		const char *what = pass ? name : position;
		char *keep = NULL;

		t0 = clock_mono_ns();
		for (int i = 0; i < n; i++) {
			snprintf(ad, sizeof ad, "fixes:%d.%d", i & 1023, i);
			s = crypt_seal(k, ad, what, strlen(what));
			if (i == 0)
				keep = s;
			else
				free(s);
		}
		printf("  seal %-9s (%2zu bytes -> %zu characters): %.2f us\n", pass ? "a name" : "a position",
		       strlen(what), strlen(keep), per_op_us(t0, n));
		snprintf(ad, sizeof ad, "fixes:%d.%d", 0, 0);
		t0 = clock_mono_ns();
		for (int i = 0; i < n; i++) {
			if (crypt_open(k, ad, keep, &out, &len, err, sizeof err) < 0) {
				fprintf(stderr, "%s\n", err);
				return 1;
			}
			free(out);
		}
		printf("  open %-9s: %.2f us\n", pass ? "a name" : "a position", per_op_us(t0, n));
		free(keep);
	}
	t0 = clock_mono_ns();
	for (int i = 0; i < n; i++)
		crypt_match(k, 0, "phone", "+447700900123", match);
	printf("  match key of a phone number: %.2f us\n", per_op_us(t0, n));
	crypt_keys_free(k);
	unlink(path);
	rmdir(dir);
	return 0;
}
