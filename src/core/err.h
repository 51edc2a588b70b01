/*
 * err.h - the error codes every fallible skillreg function returns.
 *
 * A function that can fail returns int: 0 on success or one of the negative codes below,
 * and writes its results through pointers. The codes say what kind of failure it was so
 * that the HTTP layer can pick a status; the human text travels separately.
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
	SR_ECONFLICT = -10 /* ambiguous or concurrent */
};

const char *sr_strerror(int code);

#endif
