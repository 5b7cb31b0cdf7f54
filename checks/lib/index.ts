// The check author's entry to the harness: what a checks/NN-slug.ts file imports. Runners (scripts/,
// tests) use ./runner.ts.
export { defineCheck, type CheckContext } from './check.ts';
export { unmet, Fatal } from './errors.ts';
export { sleep, request, pidOf, notJsonType, JSON_TYPE_HINT, freePort, getsSent, RequestFailed, type Reply, type RequestOptions } from './http.ts';
export { quote, describeReply } from './quote.ts';
export { cpuTimeMs, childrenOf, childrenWithZombies, groupMembers, hasProcFs, isAlive, boundUdpPorts, listeningPorts, listeningUnixSockets, listProcesses, procStat } from './proc.ts';
export { idle, loopState, procState, type LoopState } from './event-loop.ts';
export { processRunMs, runnableMs, schedTimes, threadSchedTimes, type SchedTimes } from './schedstat.ts';
export { Progress, unlessIdle } from './progress.ts';
export { fib, fibValue, isFibValue, ownCpuForFib } from './fib.ts';
export { isToolchainHelper } from './command-name.ts';
export { SpawnLog, type SpawnRecord } from './spawn-log.ts';
export { ClusterLog } from './cluster-log.ts';
export { pauseOnlineEnv } from './pause-online.ts';
export { slowIpcEnv } from './slow-ipc.ts';
export { heldOpenEnv } from './held-open.ts';
export { coresCountHint, fakeCoresEnv } from './fake-cores.ts';
export { withPreloads } from './preload.ts';
export { exposedAddresses, expectLoopbackOnly, expectPrimaryPortOnly, listenAddresses, LOOPBACK_HINT, primaryOwnPorts, type ListenAddress } from './listen-address.ts';
export { startLoad, summarize, describeFailures, resetsUnread, Load, type LoadOptions, type LoadSample, type LoadReport } from './load.ts';
export { startNginx, requireNginx, fillTemplate, type Nginx } from './nginx.ts';
export { startRedis, startRedisRelay, requireRedis, type Redis, type RedisRelay } from './redis.ts';
export { startPm2, pm2TypeScript, parseJlist, describeProcesses, pm2Said, Pm2, type Pm2Process, type Pm2Run } from './pm2.ts';
export { describeExit, type ExitInfo, type Program } from './program.ts';
export { sendSignal } from './group.ts';
export { inParallel, pidRound, pollPids, type App, type Census, type CensusOptions, type PidRound, type PollOptions, type PollResult } from './app.ts';
export type { CheckResult, Expectation, TimelineEvent } from './types.ts';
export { HeldRequest } from './held-request.ts';
