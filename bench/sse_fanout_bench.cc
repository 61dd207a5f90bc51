// sse_fanout_bench — vote-to-event latency of GET /v1/polls/{id}/stream with
// thousands of subscribers (docs/benchmarks.md, "HTTP"; bench/run_http_bench).
//
// One thread, plain epoll, against a running marquee-server:
//   1. opens --subscribers connections to GET /v1/polls/{poll}/stream and
//      waits until each has its first tally event (the total before the
//      votes: `base`);
//   2. sends --rate votes per second for --seconds over --senders keep-alive
//      connections (one request in flight on each), vote i for user
//      "<prefix>-<i>" (unique, so each vote adds one to the total), and
//      records the time vote i was written to its socket;
//   3. for each subscriber, the first event whose total is >= base + i is
//      when vote i became visible to it (tallies coalesce): the latency of the
//      pair (subscriber, vote i) is that arrival time minus vote i's send time.
//      With several senders votes may commit slightly out of order, so a pair
//      can be credited to a later vote's commit: an error of at most the time
//      between neighbouring votes (~1 ms at 1,000/s).
// After the last vote it waits up to --drain-seconds for every subscriber to
// see the final total; pairs never seen are reported as `missed_pairs`.
// Prints one line of key=value fields (latencies at 10 µs resolution).
//
//   sse_fanout_bench --port 8080 --poll favourite-banner --key mq_...
//       [--subscribers 2000 --rate 1000 --seconds 10 --senders 4 --user-prefix run1]
//
// Needs a file descriptor per subscriber: raise `ulimit -n` first.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  int port = 0;
  std::string poll = "favourite-banner";
  std::string key;
  std::string option = "control";
  std::string user_prefix = "sse";
  int subscribers = 2000;
  int rate = 1000;
  double seconds = 10;
  int senders = 4;
  double drain_seconds = 5;
};

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "sse_fanout_bench: %s (%s)\n", what.c_str(), std::strerror(errno));
  std::exit(1);
}

int Connect(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) Die("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) Die("connect");
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

void SetNonBlocking(int fd) {
  if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) Die("fcntl");
}

void WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EAGAIN) continue;  // small requests: never for long
    if (n < 0) Die("send");
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

// Latencies in 10 µs buckets up to 60 s (the last bucket holds the rest).
class Histogram {
 public:
  Histogram() : buckets_(6'000'000, 0) {}
  void Add(int64_t micros) {
    if (micros < 0) micros = 0;
    const size_t bucket = std::min<size_t>(static_cast<size_t>(micros / 10), buckets_.size() - 1);
    ++buckets_[bucket];
    ++count_;
    max_ = std::max(max_, micros);
  }
  uint64_t count() const { return count_; }
  int64_t max() const { return max_; }
  // The upper bound of the bucket holding the q-quantile, in ms.
  double QuantileMs(double q) const {
    if (count_ == 0) return 0;
    const auto target = static_cast<uint64_t>(q * static_cast<double>(count_ - 1)) + 1;
    uint64_t seen = 0;
    for (size_t i = 0; i < buckets_.size(); ++i) {
      seen += buckets_[i];
      if (seen >= target) return static_cast<double>((i + 1) * 10) / 1000.0;
    }
    return static_cast<double>(max_) / 1000.0;
  }

 private:
  std::vector<uint64_t> buckets_;
  uint64_t count_ = 0;
  int64_t max_ = 0;
};

struct Subscriber {
  int fd = -1;
  std::string buffer;
  bool header_done = false;
  bool has_first = false;
  bool closed = false;
  int64_t first_total = -1;
  int next_vote = 1;  // the first vote this subscriber has not seen yet
};

struct Sender {
  int fd = -1;
  bool busy = false;
  std::string buffer;
};

Options ParseOptions(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view arg = argv[i];
    const char* value = argv[i + 1];
    if (arg == "--port") o.port = std::atoi(value);
    else if (arg == "--poll") o.poll = value;
    else if (arg == "--key") o.key = value;
    else if (arg == "--option") o.option = value;
    else if (arg == "--user-prefix") o.user_prefix = value;
    else if (arg == "--subscribers") o.subscribers = std::atoi(value);
    else if (arg == "--rate") o.rate = std::atoi(value);
    else if (arg == "--seconds") o.seconds = std::atof(value);
    else if (arg == "--senders") o.senders = std::atoi(value);
    else if (arg == "--drain-seconds") o.drain_seconds = std::atof(value);
    else {
      std::fprintf(stderr, "sse_fanout_bench: unknown option '%s'\n", argv[i]);
      std::exit(2);
    }
  }
  if (o.port <= 0 || o.key.empty() || o.subscribers < 1 || o.rate < 1 || o.senders < 1 ||
      o.seconds <= 0 || argc % 2 == 0) {
    std::fprintf(stderr,
                 "usage: sse_fanout_bench --port P --key DELIVERY_KEY [--poll ID] [--option KEY]\n"
                 "  [--user-prefix S] [--subscribers N] [--rate VOTES_PER_S] [--seconds S]\n"
                 "  [--senders N] [--drain-seconds S]\n");
    std::exit(2);
  }
  return o;
}

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  const Options opt = ParseOptions(argc, argv);
  const int total_votes = static_cast<int>(opt.rate * opt.seconds);

  const int epoll = epoll_create1(0);
  if (epoll < 0) Die("epoll_create1");

  // Tag: index < subscribers is a subscriber, else a sender.
  std::vector<Subscriber> subs(static_cast<size_t>(opt.subscribers));
  std::vector<Sender> senders(static_cast<size_t>(opt.senders));
  const std::string stream_request = "GET /v1/polls/" + opt.poll +
                                     "/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                     "Accept: text/event-stream\r\nAuthorization: Bearer " +
                                     opt.key + "\r\n\r\n";
  for (size_t i = 0; i < subs.size(); ++i) {
    subs[i].fd = Connect(opt.port);
    WriteAll(subs[i].fd, stream_request);
    SetNonBlocking(subs[i].fd);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    if (epoll_ctl(epoll, EPOLL_CTL_ADD, subs[i].fd, &ev) != 0) Die("epoll_ctl");
  }
  for (size_t i = 0; i < senders.size(); ++i) {
    senders[i].fd = Connect(opt.port);
    SetNonBlocking(senders[i].fd);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = subs.size() + i;
    if (epoll_ctl(epoll, EPOLL_CTL_ADD, senders[i].fd, &ev) != 0) Die("epoll_ctl");
  }

  std::vector<Clock::time_point> send_time(static_cast<size_t>(total_votes) + 1);
  int votes_sent = 0;      // votes 1..votes_sent were written
  int votes_answered = 0;  // responses read
  int votes_failed = 0;    // responses other than 200/201
  int64_t base = -1;       // the total before the votes
  int with_first = 0;      // subscribers that have their first event
  int closed = 0;          // subscribers the server closed
  uint64_t events = 0, heartbeats = 0, bytes = 0;
  int64_t late_us_max = 0;  // how far behind schedule the latest-sent vote was
  Histogram latency;
  Clock::time_point t0{};
  std::vector<char> chunk(1 << 16);
  std::vector<epoll_event> ready(512);

  // An event block (without its blank line) arrived at `now` on `s`.
  const auto on_event = [&](Subscriber& s, std::string_view block, Clock::time_point now) {
    if (block.empty() || block.front() == ':') {
      ++heartbeats;
      return;
    }
    const size_t at = block.rfind("\"total\":");
    if (at == std::string_view::npos) return;
    ++events;
    const int64_t total = std::strtoll(block.data() + at + 8, nullptr, 10);
    if (!s.has_first) {
      s.has_first = true;
      s.first_total = total;
      ++with_first;
      return;
    }
    if (base < 0) return;
    const int64_t seen = std::min<int64_t>(total - base, votes_sent);
    for (; s.next_vote <= seen; ++s.next_vote) {
      latency.Add(std::chrono::duration_cast<std::chrono::microseconds>(
                      now - send_time[static_cast<size_t>(s.next_vote)])
                      .count());
    }
  };

  const auto on_readable = [&](uint64_t tag, Clock::time_point now) {
    if (tag < subs.size()) {
      Subscriber& s = subs[tag];
      const ssize_t n = recv(s.fd, chunk.data(), chunk.size(), 0);
      if (n < 0 && errno == EAGAIN) return;
      if (n <= 0) {
        s.closed = true;
        ++closed;
        epoll_ctl(epoll, EPOLL_CTL_DEL, s.fd, nullptr);
        close(s.fd);
        return;
      }
      bytes += static_cast<uint64_t>(n);
      s.buffer.append(chunk.data(), static_cast<size_t>(n));
      size_t pos = 0;
      if (!s.header_done) {
        const size_t end = s.buffer.find("\r\n\r\n");
        if (end == std::string::npos) return;
        if (s.buffer.compare(0, 12, "HTTP/1.1 200") != 0) {
          std::fprintf(stderr, "sse_fanout_bench: stream refused: %.200s\n", s.buffer.c_str());
          std::exit(1);
        }
        s.header_done = true;
        pos = end + 4;
      }
      for (;;) {
        const size_t end = s.buffer.find("\n\n", pos);
        if (end == std::string::npos) break;
        on_event(s, std::string_view(s.buffer).substr(pos, end - pos), now);
        pos = end + 2;
      }
      s.buffer.erase(0, pos);
      return;
    }
    Sender& snd = senders[tag - subs.size()];
    const ssize_t n = recv(snd.fd, chunk.data(), chunk.size(), 0);
    if (n < 0 && errno == EAGAIN) return;
    if (n <= 0) Die("a vote connection closed");
    snd.buffer.append(chunk.data(), static_cast<size_t>(n));
    for (;;) {  // whole responses: header, then Content-Length bytes
      const size_t end = snd.buffer.find("\r\n\r\n");
      if (end == std::string::npos) return;
      size_t length = 0;
      const std::string_view header = std::string_view(snd.buffer).substr(0, end);
      for (const char* name : {"Content-Length: ", "content-length: "}) {
        if (const size_t at = header.find(name); at != std::string_view::npos) {
          length = std::strtoul(header.data() + at + std::strlen(name), nullptr, 10);
        }
      }
      if (snd.buffer.size() < end + 4 + length) return;
      if (snd.buffer.compare(0, 12, "HTTP/1.1 200") != 0 &&
          snd.buffer.compare(0, 12, "HTTP/1.1 201") != 0) {
        if (++votes_failed <= 3) {
          std::fprintf(stderr, "sse_fanout_bench: vote refused: %.300s\n", snd.buffer.c_str());
        }
      }
      snd.buffer.erase(0, end + 4 + length);
      snd.busy = false;
      ++votes_answered;
    }
  };

  const auto poll_once = [&](int timeout_ms) {
    const int n = epoll_wait(epoll, ready.data(), static_cast<int>(ready.size()), timeout_ms);
    if (n < 0 && errno != EINTR) Die("epoll_wait");
    const Clock::time_point now = Clock::now();
    for (int i = 0; i < n; ++i) on_readable(ready[static_cast<size_t>(i)].data.u64, now);
  };

  // 1. Every subscriber has its first event.
  const Clock::time_point connect_deadline = Clock::now() + std::chrono::seconds(60);
  while (with_first + closed < opt.subscribers && Clock::now() < connect_deadline) poll_once(100);
  if (with_first < opt.subscribers) {
    std::fprintf(stderr, "sse_fanout_bench: only %d of %d subscribers got a first event (%d closed)\n",
                 with_first, opt.subscribers, closed);
    return 1;
  }
  base = subs[0].first_total;
  for (const Subscriber& s : subs) {
    if (s.first_total != base) {
      std::fprintf(stderr, "sse_fanout_bench: first totals differ (%lld, %lld): votes from elsewhere?\n",
                   static_cast<long long>(base), static_cast<long long>(s.first_total));
      return 1;
    }
  }
  const double cpu_start = CpuSeconds();

  // 2. Votes on schedule; 3. latencies as the events arrive.
  t0 = Clock::now();
  const auto due = [&](int vote) {
    return t0 + std::chrono::microseconds(static_cast<int64_t>(vote - 1) * 1'000'000 / opt.rate);
  };
  Clock::time_point drain_deadline{};
  for (;;) {
    Clock::time_point now = Clock::now();
    while (votes_sent < total_votes && due(votes_sent + 1) <= now) {
      auto idle = std::find_if(senders.begin(), senders.end(), [](const Sender& s) { return !s.busy; });
      if (idle == senders.end()) break;
      const int vote = ++votes_sent;
      const std::string body = "{\"user\":\"" + opt.user_prefix + "-" + std::to_string(vote) +
                               "\",\"option\":\"" + opt.option + "\"}";
      const std::string request = "POST /v1/polls/" + opt.poll +
                                  "/votes HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                                  opt.key + "\r\nContent-Type: application/json\r\nContent-Length: " +
                                  std::to_string(body.size()) + "\r\n\r\n" + body;
      now = Clock::now();
      late_us_max = std::max<int64_t>(
          late_us_max, std::chrono::duration_cast<std::chrono::microseconds>(now - due(vote)).count());
      send_time[static_cast<size_t>(vote)] = now;
      idle->busy = true;
      WriteAll(idle->fd, request);
    }
    if (votes_sent == total_votes && votes_answered == total_votes) {
      if (drain_deadline == Clock::time_point{}) {
        drain_deadline = now + std::chrono::microseconds(static_cast<int64_t>(opt.drain_seconds * 1e6));
      }
      const bool all_seen = std::all_of(subs.begin(), subs.end(), [&](const Subscriber& s) {
        return s.closed || s.next_vote > total_votes;
      });
      if (all_seen || now >= drain_deadline) break;
    }
    int timeout_ms = 1;
    if (votes_sent == total_votes) timeout_ms = 10;
    poll_once(timeout_ms);
  }
  const double elapsed =
      std::chrono::duration<double>(Clock::now() - t0).count();
  const double cpu = CpuSeconds() - cpu_start;

  uint64_t missed = 0;
  for (const Subscriber& s : subs) missed += static_cast<uint64_t>(total_votes - (s.next_vote - 1));
  const double send_span =
      std::chrono::duration<double>(send_time[static_cast<size_t>(total_votes)] - t0).count();
  std::printf(
      "sse subscribers=%d votes=%d votes_failed=%d vote_rate=%.0f late_send_ms_max=%.1f "
      "pairs=%llu missed_pairs=%llu p50_ms=%.2f p99_ms=%.2f max_ms=%.2f events=%llu "
      "events_per_sub=%.1f heartbeats=%llu bytes=%llu closed=%d elapsed_s=%.2f client_cpu_s=%.2f\n",
      opt.subscribers, total_votes, votes_failed,
      send_span > 0 ? static_cast<double>(total_votes - 1) / send_span : 0.0,
      static_cast<double>(late_us_max) / 1000.0, static_cast<unsigned long long>(latency.count()),
      static_cast<unsigned long long>(missed), latency.QuantileMs(0.50), latency.QuantileMs(0.99),
      static_cast<double>(latency.max()) / 1000.0,
      static_cast<unsigned long long>(events),
      static_cast<double>(events) / opt.subscribers, static_cast<unsigned long long>(heartbeats),
      static_cast<unsigned long long>(bytes), closed, elapsed, cpu);
  return 0;
}
