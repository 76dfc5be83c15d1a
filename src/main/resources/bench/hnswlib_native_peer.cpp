// Native hnswlib peer for `vecdb bench --peer hnswlib-native --hnswlib-src DIR`.
//
// Compiled by the Java side from hnswlib's header-only sources in DIR with -O3 -march=native
// (hnswlib's own SIMD distance kernels then use what this CPU has), this driver does what
// hnswlib_peer.py does through Debian's Python binding: it reads the benchmark data written by
// the Java side (little-endian: int32 n, nq, dim, k; float32 train[n*dim]; float32 test[nq*dim];
// int32 gt[nq*k]), builds an index with the same parameters from --build-threads threads, and
// prints one JSON line per ef with the same fields ("system": "hnswlib-native"). Queries run one
// at a time, after one warm-up pass, from --search-threads threads. Cosine is inner product on
// normalised vectors, as the Python binding does it. Errors go to stderr, exit status 1.
#include <hnswlib/hnswlib.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

static double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

static double cpu() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static void die(const std::string& msg) {
  std::fprintf(stderr, "%s\n", msg.c_str());
  std::exit(1);
}

template <typename F>
static void parallel(int threads, size_t n, F f) {
  std::atomic<size_t> next(0);
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; t++) {
    ts.emplace_back([&]() {
      for (size_t i; (i = next.fetch_add(1)) < n;) {
        f(i);
      }
    });
  }
  for (auto& t : ts) {
    t.join();
  }
}

static void normalise(float* v, int dim) {
  double s = 0;
  for (int j = 0; j < dim; j++) {
    s += (double)v[j] * v[j];
  }
  float inv = s > 0 ? (float)(1 / std::sqrt(s)) : 0.f;
  for (int j = 0; j < dim; j++) {
    v[j] *= inv;
  }
}

int main(int argc, char** argv) {
  if (argc < 2) {
    die("usage: hnswlib_native_peer DATA --dataset N --m M --ef-construction E --ef a,b"
        " --build-threads T --search-threads S --space l2|cosine|ip [--seed S]");
  }
  std::string data = argv[1], dataset = "?", efs = "10", space = "l2";
  int m = 16, efc = 200, build_threads = 1, search_threads = 1, seed = 100;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string f = argv[i], v = argv[i + 1];
    if (f == "--dataset") dataset = v;
    else if (f == "--m") m = std::atoi(v.c_str());
    else if (f == "--ef-construction") efc = std::atoi(v.c_str());
    else if (f == "--ef") efs = v;
    else if (f == "--build-threads") build_threads = std::atoi(v.c_str());
    else if (f == "--search-threads") search_threads = std::atoi(v.c_str());
    else if (f == "--space") space = v;
    else if (f == "--seed") seed = std::atoi(v.c_str());
    else die("unknown flag " + f);
  }
  std::ifstream in(data, std::ios::binary);
  if (!in) die("cannot open " + data);
  int32_t hdr[4];
  in.read((char*)hdr, sizeof hdr);
  int n = hdr[0], nq = hdr[1], dim = hdr[2], k = hdr[3];
  std::vector<float> train((size_t)n * dim), test((size_t)nq * dim);
  std::vector<int32_t> gt((size_t)nq * k);
  in.read((char*)train.data(), train.size() * 4);
  in.read((char*)test.data(), test.size() * 4);
  in.read((char*)gt.data(), gt.size() * 4);
  if (!in) die("peer data file " + data + " is truncated");

  std::unique_ptr<hnswlib::SpaceInterface<float>> sp;
  if (space == "l2") {
    sp.reset(new hnswlib::L2Space(dim));
  } else if (space == "ip" || space == "cosine") {
    sp.reset(new hnswlib::InnerProductSpace(dim));
    if (space == "cosine") {
      for (int i = 0; i < n; i++) normalise(&train[(size_t)i * dim], dim);
      for (int i = 0; i < nq; i++) normalise(&test[(size_t)i * dim], dim);
    }
  } else {
    die("--space: expected l2, cosine or ip, got " + space);
  }
  hnswlib::HierarchicalNSW<float> index(sp.get(), n, m, efc, seed);
  double c0 = cpu(), t0 = now();
  parallel(build_threads, n, [&](size_t i) { index.addPoint(&train[i * dim], i); });
  double build_s = now() - t0, build_cpu = cpu() - c0;
  // Bytes per point as the Python peer measures them: the size of hnswlib's own serialisation.
  std::string tmp = data + ".native.hnswlib";
  index.saveIndex(tmp);
  std::ifstream saved(tmp, std::ios::binary | std::ios::ate);
  double bytes_per_point = (double)saved.tellg() / n;
  saved.close();
  std::remove(tmp.c_str());

  std::vector<std::unordered_set<int>> truth(nq);
  for (int q = 0; q < nq; q++) {
    truth[q] = std::unordered_set<int>(gt.begin() + (size_t)q * k, gt.begin() + (size_t)(q + 1) * k);
  }
  std::stringstream list(efs);
  for (std::string item; std::getline(list, item, ',');) {
    int ef = std::atoi(item.c_str());
    index.setEf(ef);
    std::vector<std::vector<int>> results(nq);
    auto run = [&]() {
      double c = cpu(), t = now();
      parallel(search_threads, nq, [&](size_t q) {
        auto top = index.searchKnn(&test[q * dim], k);
        std::vector<int> ids;
        while (!top.empty()) {
          ids.push_back((int)top.top().second);
          top.pop();
        }
        results[q] = ids;
      });
      return std::make_pair(now() - t, cpu() - c);
    };
    run();  // warm-up pass
    auto [secs, cpus] = run();
    long hits = 0;
    for (int q = 0; q < nq; q++) {
      for (int id : results[q]) hits += truth[q].count(id);
    }
    std::printf(
        "{\"system\":\"hnswlib-native\",\"dataset\":\"%s\",\"m\":%d,\"ef_construction\":%d,"
        "\"ef\":%d,\"build_s\":%.3f,\"recall\":%.4f,\"qps\":%.1f,\"search_threads\":%d,"
        "\"bytes_per_point\":%.1f,\"build_cpu_s\":%.3f,\"qps_cpu\":%.1f}\n",
        dataset.c_str(), m, efc, ef, build_s, (double)hits / ((double)nq * k), nq / secs,
        search_threads, bytes_per_point, build_cpu, cpus > 0 ? nq / cpus : 0.0);
    std::fflush(stdout);
  }
  return 0;
}
