/*
 * err.h - the error codes every fallible skillreg function returns.
 *
 * A function that can fail returns int: 0 on success or one of the negative codes below,
 * and writes its results through pointers. The codes say what kind of failure it was; the
 * domain's refusals also say which rule refused (registry/error.h), and only the API turns
 * that into an HTTP status and ClawHub's wording.
 */
#ifndef SR_ERR_H
#define SR_ERR_H

enum {
	SR_OK = 0,
	SR_ENOMEM = -1,    /* allocation failed */
	SR_EINVAL = -2,    /* malformed input */
	SR_ENOTFOUND = -3, /* no such thing */
	SR_ETOOBIG = -4,   /* a ceiling was exceeded */
	SR_EIO = -5,       /* file system or network */
	SR_EDB = -6,       /* the database reported an error */
	SR_ELIMIT = -7,    /* the request's read budget ran out */
	SR_EEXIST = -8,    /* already there */
	SR_EPERM = -9,     /* not allowed */
	SR_ECONFLICT = -10, /* ambiguous or concurrent */
	SR_EGONE = -11,     /* it existed and was deleted, withdrawn or removed */
	SR_EPENDING = -12,  /* held until something finishes (a security scan) */
	SR_EUNAVAIL = -13,  /* the database does not answer (down, restarting, failing over) */
	SR_ENOSPC = -14     /* the storage (a disk, the database's disk, a quota of it) is full */
};

const char *sr_strerror(int code);

#endif
