// The single include point for Boost.Asio and Boost.Beast.
//
// Every translation unit that needs networking includes this header and nothing else from
// Asio/Beast directly, so build flags and Debian-specific workarounds live in one place.
// Asio and Beast are compiled once (asio_impl.cc, beast_impl.cc) via
// BOOST_ASIO_SEPARATE_COMPILATION / BOOST_BEAST_SEPARATE_COMPILATION, set by CMake.
// Ownership and thread safety: declarations only; see the types' own headers.
#pragma once

// asio/awaitable.hpp uses std::exchange without including <utility> (seen on Debian 12).
#include <utility>

#if !defined(BOOST_ASIO_HAS_CO_AWAIT) || !defined(BOOST_ASIO_HAS_STD_COROUTINE)
#error "build with -DBOOST_ASIO_HAS_CO_AWAIT=1 -DBOOST_ASIO_HAS_STD_COROUTINE=1 (set by CMake)"
#endif

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace warden::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using error_code = boost::system::error_code;

template <typename T>
using Task = asio::awaitable<T>;

// Completion token for error-code-returning awaits: `auto [ec, n] = co_await op(..., kUseTuple);`
inline constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

}  // namespace warden::net
