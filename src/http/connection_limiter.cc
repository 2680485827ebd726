#include "http/connection_limiter.hpp"

namespace warden::http {

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
