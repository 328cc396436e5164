// A comment may mention steady_clock and rand() freely.
void tick(Env& env) {
  env.sleep_until(env.now() + ms(100));
  std::map<std::string, int> by_name;
  std::unordered_map<std::string, int> index;  // tidy: lookup-only
  int operand = 3;
  auto v = env.random_below(10) + operand;
}
