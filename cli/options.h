// Boost.Program_options glue shared by subcommands: parse, print --help,
// report bad options as "slotsim CMD: ..." with exit code 2.
#pragma once

#include <boost/program_options.hpp>
#include <optional>
#include <string>
#include <vector>

namespace slotsim::cli {

namespace po = boost::program_options;

// Returns the parsed map, or the exit code when the command should stop here
// (0 after --help, 2 after an error, both already printed).
std::optional<po::variables_map> parse_options(const std::string& command, const std::string& usage,
                                               po::options_description& options,
                                               const std::vector<std::string>& args, int& exit_code,
                                               const po::positional_options_description* positional = nullptr);

}  // namespace slotsim::cli
