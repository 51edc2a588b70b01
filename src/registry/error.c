/*
 * error.c - filling a domain refusal (error.h). The words a refusal is answered with live in
 * the API's table (src/api/error.c), not here.
 */
#include <stdio.h>

#include "registry/error.h"

int sr_regerr_set(sr_regerr *err, int code, sr_why why, const char *arg)
{
	err->code = code;
	err->why = why;
	snprintf(err->arg, sizeof(err->arg), "%s", arg ? arg : "");
	return code;
}

int sr_regerr_internal(sr_regerr *err, int code)
{
	return sr_regerr_set(err, code, SR_WHY_INTERNAL, NULL);
}
