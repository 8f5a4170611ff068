export * from './alertmanager-version';
export * from './receivers';
export * from './routing';
export * from './secret-key';
