// The OpenSSL context the event loop's TLS connections are made from (--tls-cert,
// --tls-key): TLS 1.2 and 1.3 only, and in TLS 1.2 only ECDHE key exchange with AEAD
// ciphers (forward secret; no CBC, so no LUCKY13; no static RSA), in the server's order.
#pragma once

#include <openssl/types.h>

#include <memory>
#include <string>

namespace proof::net {

class TlsContext {
 public:
  /// The TLS 1.2 cipher list: ECDHE-{ECDSA,RSA} with AES-128-GCM, AES-256-GCM and
  /// ChaCha20-Poly1305, in that order of preference. TLS 1.3 keeps OpenSSL's defaults (all
  /// three of its suites are forward-secret AEAD).
  static const char* const kTls12Ciphers;

  /// Loads the PEM certificate chain in `cert` (leaf first, then the intermediates) and the
  /// PEM private key in `key`. On failure returns null and sets `error` to a sentence naming
  /// the file and what is wrong with it (unreadable, not PEM, or a key that does not belong
  /// to the certificate).
  ///
  /// No compression (CRIME), no renegotiation, no session tickets: a ticket key would live
  /// as long as the process and so undo forward secrecy for every session it ever sealed;
  /// TLS 1.2 sessions still resume from the server-side cache. A write the socket takes
  /// only in part is finished later from the same buffer, which may have moved (the
  /// connection's output string grows meanwhile); idle connections give their read and
  /// write buffers back, which thousands of open streams need.
  static std::unique_ptr<TlsContext> load(const std::string& cert, const std::string& key,
                                          std::string& error);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  /// SSL objects made from it hold their own reference, so they may outlive this object.
  SSL_CTX* get() const { return ctx_; }

 private:
  explicit TlsContext(SSL_CTX* ctx) : ctx_(ctx) {}
  SSL_CTX* ctx_;
};

}  // namespace proof::net
