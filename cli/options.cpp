#include "cli/options.h"

#include <iostream>

#include <fmt/format.h>
#include <fmt/ostream.h>

namespace slotsim::cli {

std::optional<po::variables_map> parse_options(const std::string& command, const std::string& usage,
                                               po::options_description& options,
                                               const std::vector<std::string>& args, int& exit_code,
                                               const po::positional_options_description* positional) {
  options.add_options()("help,h", "print this help");
  po::variables_map vm;
  try {
    po::command_line_parser parser(args);
    parser.options(options);
    if (positional != nullptr) parser.positional(*positional);
    po::store(parser.run(), vm);
    if (vm.count("help") != 0) {
      std::cout << "usage: slotsim " << command << " " << usage << "\n\n" << options << "\n";
      exit_code = 0;
      return std::nullopt;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "slotsim " << command << ": " << e.what() << "\n(see slotsim " << command << " --help)\n";
    exit_code = 2;
    return std::nullopt;
  }
  return vm;
}

}  // namespace slotsim::cli
