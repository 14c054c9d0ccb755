/*
 * store/each — the adapter between an `_each` function's caller and db_each
 * (private to src/store/).
 *
 * STORE_EACH(name, T, read) defines struct name, the caller's fn and arg (and
 * n, the rows read so far), and name_row, the db_each_fn that reads each row
 * into a T with read (a db_row_fn, or a function of (db_stmt *, T *)) and
 * answers what fn(&row, arg) answers (nonzero: stop):
 *
 *	STORE_EACH(agency_each, struct agency, agency_row);
 *
 *	int agency_each(db *d, int (*fn)(const struct agency *a, void *arg), void *arg)
 *	{
 *		struct agency_each e = { fn, arg, 0 };
 *
 *		return db_each(d, agency_each_row, &e, "SELECT ...", "");
 *	}
 *
 * fn keeps the caller's own type: no function pointer is cast to another
 * type (calling through one that does not match is undefined).  What read
 * leaves pointing into the row (text columns) is valid during fn only.
 */
#ifndef VIGIL_STORE_EACH_H
#define VIGIL_STORE_EACH_H

#include "db/db.h"

/* The closing `struct name` is for the caller's ';'. */
#define STORE_EACH(name, T, read)                            \
	struct name {                                        \
		int (*fn)(const T *row, void *arg);          \
		void *arg;                                   \
		int n; /* rows read */                       \
	};                                                   \
	static int name##_row(db_stmt *s, void *arg)         \
	{                                                    \
		struct name *e_ = arg;                       \
		T row_;                                      \
                                                             \
		read(s, &row_);                              \
		e_->n++;                                     \
		return e_->fn(&row_, e_->arg);               \
	}                                                    \
	struct name

#endif
