/*
 * store/settings — named values the program remembers (store/settings.h).
 */
#include "store/settings.h"

#include <stdio.h>

int setting_get(db *d, const char *key, char *value, size_t n)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s, "SELECT value FROM settings WHERE key = ?");
	if (rc < 0)
		return rc;
	db_bind_text(s, 1, key);
	rc = db_step(s);
	if (rc == DB_ROW && value && n)
		snprintf(value, n, "%s", db_column_text(s, 0) ? db_column_text(s, 0) : "");
	db_finalize(s);
	return rc < 0 ? rc : rc == DB_ROW;
}

int setting_add(db *d, const char *key, const char *value)
{
	return db_run(d, "INSERT INTO settings (key, value) VALUES (?, ?)", "tt", key, value);
}
