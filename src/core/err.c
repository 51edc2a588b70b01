/*
 * err.c - names for the error codes of err.h, for logs.
 */
#include "core/err.h"

const char *sr_strerror(int code)
{
	switch (code) {
	case SR_OK: return "ok";
	case SR_ENOMEM: return "out of memory";
	case SR_EINVAL: return "invalid input";
	case SR_ENOTFOUND: return "not found";
	case SR_ETOOBIG: return "too big";
	case SR_EIO: return "i/o error";
	case SR_EDB: return "database error";
	case SR_ELIMIT: return "read limit exceeded";
	case SR_EEXIST: return "already exists";
	case SR_EPERM: return "not permitted";
	case SR_ECONFLICT: return "conflict";
	case SR_EGONE: return "gone";
	case SR_EPENDING: return "pending";
	case SR_EUNAVAIL: return "database unavailable";
	case SR_ENOSPC: return "no space left in storage";
	}
	return "unknown error";
}
