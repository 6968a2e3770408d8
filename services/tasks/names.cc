#include "services/tasks/names.h"

#include <random>

namespace berth::tasks {
namespace {

constexpr const char* kAdjectives[] = {
    "admiring", "agitated", "amazing",  "awesome",  "blissful", "bold",     "brave",
    "charming", "clever",   "cool",     "dazzling", "determined", "eager",  "ecstatic",
    "elegant",  "epic",     "fervent",  "festive",  "focused",  "friendly", "gallant",
    "gifted",   "happy",    "hopeful",  "inspiring", "jolly",   "keen",     "kind",
    "laughing", "loving",   "lucid",    "modest",   "nifty",    "nostalgic", "optimistic",
    "peaceful", "practical", "quirky",  "relaxed",  "serene",   "sharp",    "stoic",
    "sweet",    "tender",   "trusting", "upbeat",   "vibrant",  "wizardly", "youthful", "zealous"};

constexpr const char* kSurnames[] = {
    "agnesi",   "albattani", "babbage",  "bardeen",  "bell",     "bohr",     "brahmagupta",
    "curie",    "darwin",    "dijkstra", "einstein", "euclid",   "euler",    "faraday",
    "fermat",   "feynman",   "galileo",  "gauss",    "goldberg", "hamilton", "hawking",
    "hopper",   "hypatia",   "johnson",  "kepler",   "knuth",    "lamarr",   "leakey",
    "lovelace", "maxwell",   "mcclintock", "meitner", "mendel",  "noether",  "pascal",
    "pasteur",  "ptolemy",   "ritchie",  "shannon",  "sinoussi", "stallman", "tesla",
    "thompson", "torvalds",  "turing",   "wilson",   "wozniak",  "wright",   "yalow", "zhukovsky"};

}  // namespace

std::string GenerateName(const std::function<bool(const std::string&)>& in_use) {
  static thread_local std::mt19937 random{std::random_device{}()};
  std::uniform_int_distribution<size_t> adjective(0, std::size(kAdjectives) - 1);
  std::uniform_int_distribution<size_t> surname(0, std::size(kSurnames) - 1);
  std::uniform_int_distribution<int> digit(0, 9);
  for (int attempt = 0;; ++attempt) {
    std::string name = std::string(kAdjectives[adjective(random)]) + "_" + kSurnames[surname(random)];
    if (attempt >= 3) name += std::to_string(digit(random)) + std::to_string(attempt);
    if (!in_use(name)) return name;
  }
}

}  // namespace berth::tasks
