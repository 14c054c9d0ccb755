/*
 * A status machine's moves checked from a table: each row a move, the answer
 * the move function must give (0, or -1 refused), and, where given, words its
 * reason must hold.  A row that fails is named.  For the machines whose move
 * is fn(from, to, why, whylen) (orders, victim referrals).
 */
#ifndef VIGIL_TESTS_MOVES_H
#define VIGIL_TESTS_MOVES_H

#include <stddef.h>
#include <string.h>

struct status_move {
	const char *from, *to;
	int rc;
	const char *why; /* words the reason holds, or NULL */
};

static inline void check_moves(int (*move)(const char *, const char *, char *, size_t),
			       const struct status_move *m, size_t n)
{
	char why[300];

	for (size_t i = 0; i < n; i++) {
		const char *from = m[i].from ? m[i].from : "(null)", *to = m[i].to ? m[i].to : "(null)";
		int rc;

		why[0] = '\0';
		rc = move(m[i].from, m[i].to, why, sizeof why);
		if (rc != m[i].rc)
			fail_msg("%s -> %s answered %d, not %d (%s)", from, to, rc, m[i].rc, why);
		if (m[i].why && !strstr(why, m[i].why))
			fail_msg("%s -> %s: the reason \"%s\" does not say \"%s\"", from, to, why, m[i].why);
	}
}

#endif
