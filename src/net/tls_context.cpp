#include "net/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace proof::net {

const char* const TlsContext::kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

TlsContext::~TlsContext() {
  SSL_CTX_free(ctx_);
}

namespace {

/// OpenSSL's reason for the last failure ("no start line", "No such file or directory"),
/// and an empty queue for the next caller.
std::string openssl_reason() {
  std::string reason;
  const unsigned long code = ERR_peek_last_error();
  if (code != 0) {
    const char* text = ERR_reason_error_string(code);
    reason = text != nullptr ? text : "error " + std::to_string(code);
  }
  ERR_clear_error();
  return reason.empty() ? "unknown error" : reason;
}

}  // namespace

std::unique_ptr<TlsContext> TlsContext::load(const std::string& cert_file,
                                             const std::string& key_file, std::string& error) {
  ERR_clear_error();
  SSL_CTX* const ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) {
    error = "cannot create a TLS context: " + openssl_reason();
    return nullptr;
  }
  // Owned from here on, so every early return frees it.
  std::unique_ptr<TlsContext> context(new TlsContext(ctx));
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1) {
    error = "cannot set the TLS versions and ciphers: " + openssl_reason();
    return nullptr;
  }
  SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION |
                               SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET);
  // TLS 1.3 sends tickets even with SSL_OP_NO_TICKET (stateful ones); none at all.
  SSL_CTX_set_num_tickets(ctx, 0);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                            SSL_MODE_RELEASE_BUFFERS);

  if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) != 1) {
    error = "cannot load the TLS certificate chain from " + cert_file + ": " + openssl_reason();
    return nullptr;
  }
  const std::string mismatch =
      "the TLS private key in " + key_file + " does not match the certificate in " + cert_file;
  if (SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    // OpenSSL compares the key with the certificate loaded before it already.
    const int reason = ERR_GET_REASON(ERR_peek_last_error());
    if (reason == X509_R_KEY_VALUES_MISMATCH || reason == X509_R_KEY_TYPE_MISMATCH) {
      ERR_clear_error();
      error = mismatch;
      return nullptr;
    }
    error = "cannot load the TLS private key from " + key_file + ": " + openssl_reason();
    return nullptr;
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    ERR_clear_error();
    error = mismatch;
    return nullptr;
  }
  return context;
}

}  // namespace proof::net
