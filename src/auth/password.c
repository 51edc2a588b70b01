/*
 * password.c - argon2id hashing and checking of local passwords; see password.h.
 */
#include "auth/password.h"

#include <argon2.h>
#include <pthread.h>
#include <string.h>

#include "core/err.h"
#include "core/util.h"

#define T_COST 2
#define M_COST_KIB (19 * 1024)
#define LANES 1
#define SALT_LEN 16
#define HASH_LEN 32

int sr_password_hash(const char *password, char *out, size_t n)
{
	size_t pl = strlen(password);
	if (pl > SR_PASSWORD_MAX)
		return SR_EINVAL;
	unsigned char salt[SALT_LEN];
	if (sr_random_bytes(salt, sizeof(salt)))
		return SR_EIO;
	int rc = argon2id_hash_encoded(T_COST, M_COST_KIB, LANES, password, pl, salt, sizeof(salt), HASH_LEN, out, n);
	return rc == ARGON2_OK ? 0 : rc == ARGON2_MEMORY_ALLOCATION_ERROR ? SR_ENOMEM : SR_EINVAL;
}

static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static char dummy[SR_PASSWORD_HASH_MAX];

static void make_dummy(void)
{
	if (sr_password_hash("no account has this password", dummy, sizeof(dummy)))
		dummy[0] = '\0';
}

int sr_password_verify(const char *hash, const char *password)
{
	size_t pl = strlen(password);
	if (!hash) {
		pthread_once(&dummy_once, make_dummy);
		if (dummy[0] && pl <= SR_PASSWORD_MAX)
			argon2id_verify(dummy, password, pl);
		return SR_EPERM;
	}
	if (pl > SR_PASSWORD_MAX)
		return SR_EPERM;
	return argon2id_verify(hash, password, pl) == ARGON2_OK ? 0 : SR_EPERM;
}

const char *sr_password_weak(const char *password)
{
	size_t n = strlen(password);
	if (n < SR_PASSWORD_MIN)
		return "The password needs at least 10 characters.";
	if (n > SR_PASSWORD_MAX)
		return "The password may have at most 256 bytes.";
	return NULL;
}
