/*
 * libauthkeep: OTP codes, otpauth:// URIs, QR images, imports and exports,
 * the encrypted vault, the backup envelope and the server client.
 * Call ak_init() once before anything else.
 */
#ifndef AUTHKEEP_H
#define AUTHKEEP_H

#include "authkeep/err.h"
#include "authkeep/account.h"
#include "authkeep/base32.h"
#include "authkeep/otp.h"
#include "authkeep/uri.h"
#include "authkeep/vault.h"
#include "authkeep/srp.h"
#include "authkeep/backup.h"
#include "authkeep/import.h"
#include "authkeep/client.h"
#include "authkeep/signin.h"
#include "authkeep/device.h"
#include "authkeep/verify.h"
#include "authkeep/activation.h"
#include "authkeep/work.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AK_VERSION "0.1.0"

/* Initialises libsodium and the other libraries; safe to call more than once. */
enum ak_err ak_init(void);

#ifdef __cplusplus
}
#endif
#endif
