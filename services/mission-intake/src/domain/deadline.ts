// The calendar is shared by the services (libs/contracts): the expert's request for information
// counts working days the same way the deposit does.
export * from '@smart-expertise/contracts/calendar';
