-- Loaded by busted before the specs (see .busted).  Makes spec/support
-- reachable as `require "spec.support.util"` from any working directory.
package.path = "./?.lua;" .. package.path
