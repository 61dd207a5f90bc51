// A private redis-server for one test.
//
// Starts the redis-server found at configure time (MARQUEE_REDIS_SERVER) on
// 127.0.0.1 and a free random port, with its own temporary --dir and no
// persistence (--save "" --appendonly no), and waits until it answers PING.
// Stop() kills it (SIGKILL, like a crash, or SIGTERM), Start() runs it again
// on the same port, Pause()/Resume() freeze it (SIGSTOP/SIGCONT: a hung
// server whose sockets stay open). The destructor kills it. No shell is
// involved: the server is spawned with posix_spawn. Failures throw
// std::runtime_error (doctest reports a failed test).
// Thread-safety: none; drive it from the test's thread.
//
//   marquee::test::RedisServer redis;
//   auto cache = marquee::redis::OpenRedisCache({.port = redis.port()});
//   redis.Stop();   // crash
//   redis.Start();  // same port, empty dataset
#ifndef MARQUEE_TESTS_SUPPORT_REDIS_SERVER_H_
#define MARQUEE_TESTS_SUPPORT_REDIS_SERVER_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "support/temp_dir.h"

namespace marquee::test {

struct RedisServerOptions {
  // Passed as --requirepass when not empty. Default: "".
  std::string password{};
};

class RedisServer {
 public:
  enum class StopMode { kKill, kTerminate };

  // Starts the server; throws std::runtime_error when it does not answer
  // PING within 5 s.
  explicit RedisServer(RedisServerOptions options = {});
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  // The TCP port; the same across Stop() and Start().
  int port() const { return port_; }
  bool running() const { return pid_ > 0; }

  // Stops the server: kKill is SIGKILL (a crash), kTerminate SIGTERM; waits
  // for the process to exit. No-op when not running.
  void Stop(StopMode mode = StopMode::kKill);
  // Starts it again on the same port (with an empty dataset) and waits for
  // PING. REQUIRES: !running().
  void Start();
  // SIGSTOP / SIGCONT: connections stay open but nothing is answered.
  void Pause();
  void Resume();

  // Runs one command on a fresh connection (after AUTH when a password is
  // set) and returns the reply as text: a string or status as is, an
  // integer in decimal, nil as "(nil)", an error as "(error) <message>",
  // an array as its elements joined by "\n". Throws when Redis cannot be
  // reached.
  std::string Command(const std::vector<std::string>& argv) const;

 private:
  bool Spawn();  // false when the server exited (e.g. the port was taken)
  bool AnswersPing() const;

  RedisServerOptions options_;
  TempDir dir_;
  int port_ = 0;
  pid_t pid_ = -1;
  bool paused_ = false;
};

}  // namespace marquee::test

#endif  // MARQUEE_TESTS_SUPPORT_REDIS_SERVER_H_
