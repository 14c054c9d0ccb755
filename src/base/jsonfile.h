/*
 * base/jsonfile — read a JSON file written by people (the risk instruments,
 * the plan suggestion table): at most max bytes, duplicate keys refused, and
 * a parse error said by line and column in words that stay text.
 */
#ifndef VIGIL_BASE_JSONFILE_H
#define VIGIL_BASE_JSONFILE_H

#include <jansson.h>
#include <stddef.h>

/* The JSON in the file at path (caller decrefs), or NULL with why (without
 * the file's name, which the caller says). */
json_t *jsonfile_load(const char *path, size_t max, char *why, size_t whylen);

#endif
