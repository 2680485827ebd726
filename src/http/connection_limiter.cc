#include "http/connection_limiter.hpp"

#include <algorithm>

namespace warden::http {

std::string ClientKey(const net::asio::ip::address& address, int ipv6_prefix_bits) {
  if (address.is_v4()) return address.to_string();
  auto v6 = address.to_v6();
  if (v6.is_v4_mapped()) {
    return net::asio::ip::make_address_v4(net::asio::ip::v4_mapped, v6).to_string();
  }
  const int bits = std::clamp(ipv6_prefix_bits, 0, 128);
  auto bytes = v6.to_bytes();
  for (int i = 0; i < 16; ++i) {
    const int keep = std::clamp(bits - i * 8, 0, 8);
    bytes[i] &= static_cast<unsigned char>(keep == 0 ? 0 : 0xff << (8 - keep));
  }
  return net::asio::ip::address_v6(bytes).to_string() + "/" + std::to_string(bits);
}

ConnectionLimiter::Verdict ConnectionLimiter::Admit(const std::string& client, bool over_total) {
  std::lock_guard lock(mu_);
  if (!over_total && total_ >= max_total_) return Verdict::kTotalFull;
  std::size_t& count = clients_[client];
  if (count >= max_per_client_) {
    if (count == 0) clients_.erase(client);
    return Verdict::kClientFull;
  }
  ++count;
  ++total_;
  return Verdict::kAdmitted;
}

void ConnectionLimiter::Release(const std::string& client) {
  std::lock_guard lock(mu_);
  auto it = clients_.find(client);
  if (it == clients_.end()) return;
  if (--it->second == 0) clients_.erase(it);
  --total_;
}

std::size_t ConnectionLimiter::total() const {
  std::lock_guard lock(mu_);
  return total_;
}

}  // namespace warden::http
