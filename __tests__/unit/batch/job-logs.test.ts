// Which log files of a failed batch job are read, and which of their lines are shown.
import { describe, expect, it } from 'vitest';
import { failureLines, JOB_LOG_LINES, pickLines, selectLogFiles, showJobLogs } from '../../../src/batch/job-logs.js';

describe('selectLogFiles', () => {
  it("keeps the troubleshooting guide's files, best first, and drops the rest", () => {
    const files = Object.fromEntries(
      [
        'user_logs/std_log.txt',
        'azureml-logs/70_driver_log.txt',
        'logs/sys/master_role.txt',
        'logs/job_progress_overview.20240101.txt',
        'logs/user/error/10.0.0.5/process001.txt',
        'logs/user/error/10.0.0.4/process000.txt',
        'logs/user/error.txt',
        'logs/job_result.txt',
        'logs/perf/10.0.0.4/node_resource_usage.txt',
        'system_logs/lifecycler/lifecycler.log',
      ].map((p) => [p, `https://st.blob.core.windows.net/azureml/${p}?sig=x`]),
    );
    expect(selectLogFiles(files).map((f) => f.path)).toEqual([
      'logs/job_result.txt',
      'logs/user/error.txt',
      'logs/user/error/10.0.0.4/process000.txt',
      'logs/user/error/10.0.0.5/process001.txt',
      'logs/job_progress_overview.20240101.txt',
      'logs/sys/master_role.txt',
      'azureml-logs/70_driver_log.txt',
      'user_logs/std_log.txt',
    ]);
  });
});

describe('failureLines', () => {
  it('keeps errors, exceptions, failed steps and the messages the guide lists; drops the rest', () => {
    const text = [
      '2024-01-01 10:00:00 INFO Start processing.',
      "2024-01-01 10:00:01 ERROR Dataset initialization failed: UserErrorException: Message: Can't mount Dataset(ID='x')",
      'No progress update in 30 seconds. No progress update in this check. Wait 30 seconds since last update.',
      'No succeeded mini batch item returned from run().',
      'ModuleNotFoundError: No module named azureml',
      '2024-01-01 10:00:02 INFO 1 mini batches were created.',
    ].join('\n');
    expect(failureLines(text)).toEqual([
      "2024-01-01 10:00:01 ERROR Dataset initialization failed: UserErrorException: Message: Can't mount Dataset(ID='x')",
      'No progress update in 30 seconds. No progress update in this check. Wait 30 seconds since last update.',
      'No succeeded mini batch item returned from run().',
      'ModuleNotFoundError: No module named azureml',
    ]);
  });

  it('keeps a traceback whole, up to its exception line', () => {
    const text = [
      'Traceback (most recent call last):',
      '  File "score.py", line 3, in run',
      '    x = 1 / 0',
      'ZeroDivisionError: division by zero',
      'done',
    ].join('\n');
    expect(failureLines(text)).toEqual(text.split('\n').slice(0, 4));
  });
});

describe('pickLines', () => {
  it('says each line once across files, at most JOB_LOG_LINES in all', () => {
    const a = { path: 'logs/user/error.txt', text: '2024-01-01 10:00:00 ERROR boom\n' };
    const b = { path: 'logs/sys/master_role.txt', text: '2024-01-01 10:00:09 ERROR boom\n2024-01-01 10:00:09 ERROR other\n' };
    expect(pickLines([a, b])).toEqual([
      { path: 'logs/user/error.txt', lines: ['2024-01-01 10:00:00 ERROR boom'] },
      { path: 'logs/sys/master_role.txt', lines: ['2024-01-01 10:00:09 ERROR other'] },
    ]);
    const many = { path: 'x', text: Array.from({ length: 250 }, (_, i) => `Error ${i}`).join('\n') };
    const picked = pickLines([many, { path: 'y', text: 'Error late' }]);
    expect(picked).toHaveLength(1);
    expect(picked[0].lines).toHaveLength(JOB_LOG_LINES);
    expect(picked[0].lines.at(-1)).toBe('Error 99');
  });
});

describe('showJobLogs', () => {
  const section: string[] = [];
  const info: string[] = [];
  const sink = { info: (m: string) => info.push(m), section: (m: string) => section.push(m) };

  it('prints every line, puts them in the summary and repeats the first ten in the annotation', () => {
    const files = [
      { path: 'logs/user/error.txt', lines: Array.from({ length: 8 }, (_, i) => `Error ${i}`) },
      { path: 'logs/sys/master_role.txt', lines: ['Error a', 'Error b', 'Error c'] },
    ];
    const annotation = showJobLogs(sink, 'batchjob-1', { files, notes: ['one note'] });
    expect(info).toContain('── logs/user/error.txt');
    expect(info).toContain('Error c');
    expect(section[0]).toContain('### Job logs that name the failure (batchjob-1)');
    expect(annotation[0]).toBe("Its logs name the failure (11 lines in the log group 'Job logs: batchjob-1' and the job summary):");
    expect(annotation.filter((l) => l.startsWith('    '))).toHaveLength(10);
    expect(annotation.at(-1)).toBe('one note');
  });

  it('says so when no line names the failure', () => {
    expect(showJobLogs(sink, 'batchjob-2', { files: [], notes: [] })).toEqual(["No line of the job's logs names the failure; see them in the studio."]);
  });
});
