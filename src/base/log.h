/*
 * log — one-line log records on standard error.
 *
 * Never log a victim's address or position, a password, a token or a session
 * id: log identifiers (usernames, case references, device uids) instead.
 *
 * A record is one line whatever it quotes: log_msg() escapes the formatted
 * message (text_escape, base/text.h), so a device id, a path or a database
 * error that carries a CR, an LF or a terminal escape cannot start a forged
 * record or rewrite the operator's screen.  Callers quote outside text as it
 * is.
 */
#ifndef VIGIL_BASE_LOG_H
#define VIGIL_BASE_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Records below this level are dropped (default LOG_INFO). */
void log_set_level(enum log_level level);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
