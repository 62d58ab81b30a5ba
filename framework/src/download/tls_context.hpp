#pragma once
// TLS for the HTTP client: the one shared client context, and the per-connection setup that makes
// a handshake send SNI and verify the certificate against the host name.
#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>

#include <string>
#include <string_view>

namespace orbweaver::download {

// TLS 1.2 or later, the system's trusted roots plus ca_file when not empty. Throws
// std::runtime_error when ca_file cannot be loaded (a configuration mistake, found at startup).
boost::asio::ssl::context make_client_tls_context(const std::string& ca_file, bool verify);

// Sets SNI (for names, not IP literals) and, when verifying, the name or address the peer's
// certificate must match. Fails only when OpenSSL refuses the name.
boost::system::error_code prepare_client_session(SSL* session, std::string_view host, bool verify);

// Why a handshake failed, in one line: the certificate verification reason when that is what
// failed ("certificate verify failed: self-signed certificate in certificate chain").
std::string handshake_failure_reason(SSL* session, const boost::system::error_code& ec);

}  // namespace orbweaver::download
