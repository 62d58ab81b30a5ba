# orbweaver_project_executable(TARGET): marks TARGET as the executable the orbweaver launcher runs
# for this project. The launcher builds the project, reads the executable's path from
# orbweaver-executable in the build folder and hands over to it.
function(orbweaver_project_executable target)
  target_link_libraries(${target} PRIVATE orbweaver::main)
  file(GENERATE OUTPUT "${CMAKE_BINARY_DIR}/orbweaver-executable" CONTENT "$<TARGET_FILE:${target}>")
endfunction()
